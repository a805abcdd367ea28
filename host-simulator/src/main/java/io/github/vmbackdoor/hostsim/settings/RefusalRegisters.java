package io.github.vmbackdoor.hostsim.settings;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.internal.KebabCase;

/**
 * What the registers of a refused message call on the command port hold: a MESSAGE call the host
 * answers without SUCCESS (an OPEN, a SENDSIZE, a close ... refused, or cancelled by a checkpoint).
 * The status is in ecx's high word either way (ecx is 0 for a plain refusal); the two values differ
 * in eax.
 *
 * <p>{@link #ZERO}, the default, is what a real VMware host does as far as the public record shows:
 * the NetBSD 6 kernel log of the 2024 vmt(4) write-up prints {@code vmware: sending length failed,
 * eax=00000000, ecx=00000000}, and vmt loads eax with the magic before every call, so the host
 * wrote the 0 (docs/host-model.md 3.1). {@link #AS_LOADED} leaves eax as the guest loaded it (the
 * magic), the model's answer before that log was read; logs written against it print {@code
 * eax=564d5868}.
 */
public enum RefusalRegisters {
  /** eax = 0; ecx = the status in its high word (0 for a plain refusal). */
  ZERO {
    @Override
    Registers answer(Registers loaded, int status) {
      return loaded.toBuilder().eax(0).ecx(status << 16).build();
    }
  },
  /** eax as the guest loaded it (the magic); ecx = the status in its high word. */
  AS_LOADED {
    @Override
    Registers answer(Registers loaded, int status) {
      return loaded.withEcx(status << 16);
    }
  };

  /** The default: {@link #ZERO}. */
  public static final RefusalRegisters DEFAULT = ZERO;

  /**
   * The answer to a command-port message call the guest made with {@code loaded}, with {@code
   * status} in ecx's high word: a refusal when the status lacks SUCCESS, else eax as loaded.
   */
  public final Registers answerMessage(Registers loaded, int status) {
    return (status & BackdoorProtocol.STATUS_SUCCESS) != 0
        ? loaded.withEcx(status << 16)
        : answer(loaded, status);
  }

  abstract Registers answer(Registers loaded, int status);

  /**
   * The eax of {@link #answerMessage}'s answer, for a call loaded with eax {@code loaded}: what a
   * host answering into a holder writes, with ecx = {@code status << 16}.
   */
  public final int eax(int loaded, int status) {
    return (status & BackdoorProtocol.STATUS_SUCCESS) != 0 || this == AS_LOADED ? loaded : 0;
  }

  /** The word scenario and vm-config files use: {@code zero}, {@code as-loaded}. */
  public String keyword() {
    return KebabCase.of(this);
  }

  /**
   * The value {@code word} names.
   *
   * @throws IllegalArgumentException naming the words allowed
   */
  public static RefusalRegisters parse(String word) {
    return KebabCase.parse(RefusalRegisters.class, word);
  }
}
