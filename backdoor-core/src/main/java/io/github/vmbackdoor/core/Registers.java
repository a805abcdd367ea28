package io.github.vmbackdoor.core;

import java.util.HexFormat;

/**
 * The seven x86 registers a backdoor call moves: eax, ebx, ecx, edx, esi, edi and ebp.
 *
 * <p>An immutable value. Each register is an unsigned 32-bit quantity held in an {@code int}; the
 * protocol splits most of them into a high and a low 16-bit word (the command number in the low
 * word of ecx and the message sub-command in its high word, the port in the low word of edx and the
 * channel id in its high word, the message status in the high word of ecx or ebx), so accessors for
 * those halves are provided.
 *
 * <p>{@link #toString()} prints every register as eight hex digits, the way vmt(4) and the VMX log
 * print them.
 */
public final class Registers {

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

  public int eax() {
    return eax;
  }

  public int ebx() {
    return ebx;
  }

  public int ecx() {
    return ecx;
  }

  public int edx() {
    return edx;
  }

  public int esi() {
    return esi;
  }

  public int edi() {
    return edi;
  }

  public int ebp() {
    return ebp;
  }

  /** High 16 bits of ebx: the message status after a high-bandwidth call. */
  public int ebxHigh() {
    return ebx >>> 16;
  }

  /** Low 16 bits of ebx: the high-bandwidth command. */
  public int ebxLow() {
    return ebx & 0xFFFF;
  }

  /**
   * High 16 bits of ecx: the message sub-command on the way in, the message status on the way out.
   */
  public int ecxHigh() {
    return ecx >>> 16;
  }

  /** Low 16 bits of ecx: the command number. */
  public int ecxLow() {
    return ecx & 0xFFFF;
  }

  /** High 16 bits of edx: the channel id (or, after RECVSIZE and RECVPAYLOAD, the data id). */
  public int edxHigh() {
    return edx >>> 16;
  }

  /** Low 16 bits of edx: the I/O port. */
  public int edxLow() {
    return edx & 0xFFFF;
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
    if (!(o instanceof Registers)) {
      return false;
    }
    Registers r = (Registers) o;
    return eax == r.eax
        && ebx == r.ebx
        && ecx == r.ecx
        && edx == r.edx
        && esi == r.esi
        && edi == r.edi
        && ebp == r.ebp;
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
    return "eax=" + hex(eax) + ", ebx=" + hex(ebx) + ", ecx=" + hex(ecx) + ", edx=" + hex(edx)
        + ", esi=" + hex(esi) + ", edi=" + hex(edi) + ", ebp=" + hex(ebp);
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
