package io.github.vmbackdoor.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerFanOutTest {

  private final List<String> heard = new ArrayList<>();

  private TcloListener named(String name) {
    return new TcloListener() {
      @Override
      public void onLogLine(String line) {
        heard.add(name + ":" + line);
      }
    };
  }

  @Test
  void noneIsNobodyOneIsTheListenerItselfAndSeveralHearInOrder() {
    TcloListener a = named("a");
    TcloListener b = named("b");
    assertThat(ListenerFanOut.with(TcloListener.NONE, a)).isSameAs(a);
    TcloListener both = ListenerFanOut.with(ListenerFanOut.with(TcloListener.NONE, a), b);
    both.onLogLine("x");
    assertThat(heard).containsExactly("a:x", "b:x");
    assertThat(ListenerFanOut.without(both, b)).isSameAs(a);
    assertThat(ListenerFanOut.without(a, a)).isSameAs(TcloListener.NONE);
  }

  @Test
  void removingTakesOnlyTheFirstEqualListenerAndIgnoresOneNeverAdded() {
    TcloListener a = named("a");
    TcloListener b = named("b");
    TcloListener aba =
        ListenerFanOut.with(ListenerFanOut.with(ListenerFanOut.with(TcloListener.NONE, a), b), a);
    assertThat(ListenerFanOut.without(aba, named("c"))).isSameAs(aba);
    ListenerFanOut.without(aba, a).onLogLine("y");
    assertThat(heard).containsExactly("b:y", "a:y");
  }
}
