package io.github.vmbackdoor.core;

import java.util.HexFormat;

/**
 * The seven x86 registers a backdoor call moves: eax, ebx, ecx, edx, esi, edi and ebp.
 *
 * <p>An immutable value. Each register is an unsigned 32-bit quantity held in an {@code int}; the
 * protocol splits most of them into a high and a low 16-bit word, which {@link RegisterSet} reads
 * (as it does for the reusable {@link MutableRegisters}).
 *
 * <p>{@link #toString()} prints every register as eight hex digits, the way vmt(4) and the VMX log
 * print them.
 */
public final class Registers implements RegisterSet {

  private static final Registers ZERO = new Registers(0, 0, 0, 0, 0, 0, 0);

  private final int eax;
  private final int ebx;
  private final int ecx;
  private final int edx;
  private final int esi;
  private final int edi;
  private final int ebp;

  private Registers(int eax, int ebx, int ecx, int edx, int esi, int edi, int ebp) {
    this.eax = eax;
    this.ebx = ebx;
    this.ecx = ecx;
    this.edx = edx;
    this.esi = esi;
    this.edi = edi;
    this.ebp = ebp;
  }

  /** Returns a value with all seven registers set. */
  public static Registers of(int eax, int ebx, int ecx, int edx, int esi, int edi, int ebp) {
    return new Registers(eax, ebx, ecx, edx, esi, edi, ebp);
  }

  /**
   * Returns a value with eax to edi set and ebp zero (the six registers of a command-port call).
   */
  public static Registers of(int eax, int ebx, int ecx, int edx, int esi, int edi) {
    return new Registers(eax, ebx, ecx, edx, esi, edi, 0);
  }

  /** All registers zero. */
  public static Registers zero() {
    return ZERO;
  }

  /** A new builder with every register zero. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this value's registers, to change some of them. */
  public Builder toBuilder() {
    return new Builder().eax(eax).ebx(ebx).ecx(ecx).edx(edx).esi(esi).edi(edi).ebp(ebp);
  }

  @Override
  public int eax() {
    return eax;
  }

  @Override
  public int ebx() {
    return ebx;
  }

  @Override
  public int ecx() {
    return ecx;
  }

  @Override
  public int edx() {
    return edx;
  }

  @Override
  public int esi() {
    return esi;
  }

  @Override
  public int edi() {
    return edi;
  }

  @Override
  public int ebp() {
    return ebp;
  }

  public Registers withEax(int value) {
    return new Registers(value, ebx, ecx, edx, esi, edi, ebp);
  }

  public Registers withEbx(int value) {
    return new Registers(eax, value, ecx, edx, esi, edi, ebp);
  }

  public Registers withEcx(int value) {
    return new Registers(eax, ebx, value, edx, esi, edi, ebp);
  }

  public Registers withEdx(int value) {
    return new Registers(eax, ebx, ecx, value, esi, edi, ebp);
  }

  public Registers withEsi(int value) {
    return new Registers(eax, ebx, ecx, edx, value, edi, ebp);
  }

  public Registers withEdi(int value) {
    return new Registers(eax, ebx, ecx, edx, esi, value, ebp);
  }

  public Registers withEbp(int value) {
    return new Registers(eax, ebx, ecx, edx, esi, edi, value);
  }

  /** Joins a high and a low 16-bit word into one 32-bit register value. */
  public static int words(int high, int low) {
    return (high << 16) | (low & 0xFFFF);
  }

  private static final HexFormat HEX = HexFormat.of();

  /** A register value as eight lower-case hex digits, the way vmt(4) prints it. */
  public static String hex(int value) {
    return HEX.toHexDigits(value);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Registers r && sameValues(r);
  }

  @Override
  public int hashCode() {
    int h = eax;
    h = 31 * h + ebx;
    h = 31 * h + ecx;
    h = 31 * h + edx;
    h = 31 * h + esi;
    h = 31 * h + edi;
    h = 31 * h + ebp;
    return h;
  }

  @Override
  public String toString() {
    return text(this);
  }

  /** Every register as eight hex digits, {@code eax=... ebp=...}: either kind's toString. */
  static String text(RegisterSet r) {
    return "eax="
        + hex(r.eax())
        + ", ebx="
        + hex(r.ebx())
        + ", ecx="
        + hex(r.ecx())
        + ", edx="
        + hex(r.edx())
        + ", esi="
        + hex(r.esi())
        + ", edi="
        + hex(r.edi())
        + ", ebp="
        + hex(r.ebp());
  }

  /** Mutable builder for {@link Registers}. */
  public static final class Builder {
    private int eax;
    private int ebx;
    private int ecx;
    private int edx;
    private int esi;
    private int edi;
    private int ebp;

    private Builder() {}

    public Builder eax(int value) {
      eax = value;
      return this;
    }

    public Builder ebx(int value) {
      ebx = value;
      return this;
    }

    public Builder ecx(int value) {
      ecx = value;
      return this;
    }

    public Builder edx(int value) {
      edx = value;
      return this;
    }

    public Builder esi(int value) {
      esi = value;
      return this;
    }

    public Builder edi(int value) {
      edi = value;
      return this;
    }

    public Builder ebp(int value) {
      ebp = value;
      return this;
    }

    public Registers build() {
      return new Registers(eax, ebx, ecx, edx, esi, edi, ebp);
    }
  }
}
