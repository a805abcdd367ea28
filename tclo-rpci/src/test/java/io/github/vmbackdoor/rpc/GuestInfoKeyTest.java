package io.github.vmbackdoor.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GuestInfoKeyTest {

  @Test
  void theBareNameAndTheFullKeyAreTheSameVariable() {
    assertThat(GuestInfoKey.of("ip")).isEqualTo("guestinfo.ip");
    assertThat(GuestInfoKey.of("guestinfo.ip")).isEqualTo("guestinfo.ip");
    assertThat(GuestInfoKey.of("net.ip")).isEqualTo("guestinfo.net.ip");
  }

  @Test
  void aNameThatCannotGoOnTheWireIsRefusedClearly() {
    assertThatThrownBy(() -> GuestInfoKey.of("guestinfo."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a guestinfo name: \"guestinfo.\" (give the bare name, such as \"ip\")");
    assertThatThrownBy(() -> GuestInfoKey.of("a b")).isInstanceOf(IllegalArgumentException.class);
  }
}
