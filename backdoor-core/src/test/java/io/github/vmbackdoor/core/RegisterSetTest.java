package io.github.vmbackdoor.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegisterSetTest {

  private static final Registers VALUES =
      Registers.of(0x564D5868, 0x11, 0x22, 0x5658, 0x44, 0x55, 0x66);

  @Test
  void registerByIndexFollowsTheNamesOrderForBothKinds() {
    MutableRegisters holder = new MutableRegisters(VALUES);
    int[] expected = {0x564D5868, 0x11, 0x22, 0x5658, 0x44, 0x55, 0x66};
    assertThat(RegisterSet.NAMES).containsExactly("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp");
    for (int i = 0; i < RegisterSet.NAMES.size(); i++) {
      assertThat(VALUES.register(i)).as(RegisterSet.NAMES.get(i)).isEqualTo(expected[i]);
      assertThat(holder.register(i)).as(RegisterSet.NAMES.get(i)).isEqualTo(expected[i]);
    }
    assertThat(holder.sameValues(VALUES)).isTrue();
  }

  @Test
  void anIndexOutsideTheSevenIsRefused() {
    assertThatThrownBy(() -> VALUES.register(7))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("register index 7 (0 to 6)");
    assertThatThrownBy(() -> VALUES.register(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
