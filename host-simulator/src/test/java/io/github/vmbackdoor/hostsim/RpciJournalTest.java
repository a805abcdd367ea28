package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The RPCI journal: each request taken once, in order, and a wait for the next that polls nothing.
 */
class RpciJournalTest {

  private final VirtualHost host = VirtualHost.builder().historyLimit(3).build();

  private void rpci(String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request.getBytes(StandardCharsets.ISO_8859_1));
      ch.receive();
    }
  }

  private static String text(Optional<RpciJournal.Entry> e) {
    return e.map(x -> x.number() + " " + x.request().text()).orElse("none");
  }

  @Test
  void eachRequestIsTakenOnceInOrderAndThoseTheHistoryDroppedAreSkipped() {
    RpciJournal journal = host.records().rpciJournal();
    assertThat(journal.takeNow()).isEmpty();
    rpci("log one");
    rpci("log two");
    assertThat(text(journal.takeNow())).isEqualTo("1 log one");
    for (String r : new String[] {"log three", "log four", "log five", "log six"}) {
      rpci(r);
    }
    // the history keeps 3: "log three" fell out untaken
    assertThat(text(journal.takeNow())).isEqualTo("4 log four");
    assertThat(text(journal.takeNow())).isEqualTo("5 log five");
    assertThat(text(journal.takeNow())).isEqualTo("6 log six");
    assertThat(journal.takeNow()).isEmpty();
    assertThat(text(host.records().rpciJournal().takeNow()))
        .as("another journal takes on its own")
        .isEqualTo("4 log four");
  }

  @Test
  void onNextWakesOnceWhenARequestComesAndNotBeforeAndCanBeForgotten() {
    RpciJournal journal = host.records().rpciJournal();
    AtomicInteger woken = new AtomicInteger();
    journal.onNext(woken::incrementAndGet);
    Runnable forget = journal.onNext(() -> woken.addAndGet(100));
    forget.run();
    assertThat(woken).hasValue(0);
    rpci("log one");
    assertThat(woken).as("the first waiter only, once").hasValue(1);
    rpci("log two");
    assertThat(woken).hasValue(1);
    journal.onNext(woken::incrementAndGet);
    assertThat(woken).as("a request not taken yet wakes at once").hasValue(2);
    assertThat(text(journal.takeNow())).isEqualTo("1 log one");
  }

  @Test
  void aHostThatKeepsNoHistoryWakesNoOneForRequestsItCannotGive() {
    VirtualHost keepsNone = VirtualHost.builder().historyLimit(0).build();
    RpciJournal journal = keepsNone.records().rpciJournal();
    try (MessageChannel ch = MessageChannel.open(keepsNone.backdoor(), PROTOCOL_RPCI)) {
      ch.send("log gone".getBytes(StandardCharsets.ISO_8859_1));
      ch.receive();
    }
    AtomicInteger woken = new AtomicInteger();
    journal.onNext(woken::incrementAndGet);
    assertThat(woken).hasValue(0);
    assertThat(journal.takeNow()).isEmpty();
  }

  @Test
  void takeBlocksUntilAGuestOnAnotherThreadSendsOrTheDeadlinePasses() throws Exception {
    RpciJournal journal = host.records().rpciJournal();
    assertThat(journal.take(Duration.ZERO)).isEmpty();
    CompletableFuture<Optional<RpciJournal.Entry>> taken =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return journal.take(Duration.ofSeconds(60));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    CompletableFuture.runAsync(() -> rpci("log from another thread"));
    assertThat(text(taken.get(60, TimeUnit.SECONDS))).isEqualTo("1 log from another thread");
  }
}
