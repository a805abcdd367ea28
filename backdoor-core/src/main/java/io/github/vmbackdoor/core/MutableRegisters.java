package io.github.vmbackdoor.core;

/**
 * The seven registers of a backdoor call in a holder that is loaded, called on and read again, so
 * that a caller making many calls allocates nothing per call: what {@link Backdoor#in(
 * MutableRegisters)} and its high-bandwidth siblings take. A guest-side {@link MessageChannel}
 * keeps one for all its calls.
 *
 * <p>Not thread-safe: a holder belongs to one caller at a time. {@link Registers} stays the
 * immutable value the rest of the API speaks; {@link #load(Registers)} and {@link #toRegisters()}
 * convert between the two.
 */
public final class MutableRegisters {

  private int eax;
  private int ebx;
  private int ecx;
  private int edx;
  private int esi;
  private int edi;
  private int ebp;

  /** A holder with every register zero. */
  public MutableRegisters() {}

  /** A holder loaded with {@code registers}. */
  public MutableRegisters(Registers registers) {
    load(registers);
  }

  /** Sets all seven registers; returns this holder. */
  public MutableRegisters set(int eax, int ebx, int ecx, int edx, int esi, int edi, int ebp) {
    this.eax = eax;
    this.ebx = ebx;
    this.ecx = ecx;
    this.edx = edx;
    this.esi = esi;
    this.edi = edi;
    this.ebp = ebp;
    return this;
  }

  /** Sets every register from {@code registers}; returns this holder. */
  public MutableRegisters load(Registers registers) {
    return set(
        registers.eax(),
        registers.ebx(),
        registers.ecx(),
        registers.edx(),
        registers.esi(),
        registers.edi(),
        registers.ebp());
  }

  /** Sets every register from {@code other}; returns this holder. */
  public MutableRegisters load(MutableRegisters other) {
    return set(other.eax, other.ebx, other.ecx, other.edx, other.esi, other.edi, other.ebp);
  }

  /** The registers as an immutable value (a new object). */
  public Registers toRegisters() {
    return Registers.of(eax, ebx, ecx, edx, esi, edi, ebp);
  }

  /** Whether this holder holds the same seven values as {@code registers}. */
  public boolean holds(Registers registers) {
    return eax == registers.eax()
        && ebx == registers.ebx()
        && ecx == registers.ecx()
        && edx == registers.edx()
        && esi == registers.esi()
        && edi == registers.edi()
        && ebp == registers.ebp();
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

  /** Low 16 bits of ebx. */
  public int ebxLow() {
    return ebx & 0xFFFF;
  }

  /** High 16 bits of ecx: the sub-command on the way in, the message status on the way out. */
  public int ecxHigh() {
    return ecx >>> 16;
  }

  /** Low 16 bits of ecx: the command number. */
  public int ecxLow() {
    return ecx & 0xFFFF;
  }

  /** High 16 bits of edx: the channel id (or the data id after RECVSIZE and RECVPAYLOAD). */
  public int edxHigh() {
    return edx >>> 16;
  }

  /** Low 16 bits of edx: the I/O port. */
  public int edxLow() {
    return edx & 0xFFFF;
  }

  public MutableRegisters eax(int value) {
    eax = value;
    return this;
  }

  public MutableRegisters ebx(int value) {
    ebx = value;
    return this;
  }

  public MutableRegisters ecx(int value) {
    ecx = value;
    return this;
  }

  public MutableRegisters edx(int value) {
    edx = value;
    return this;
  }

  public MutableRegisters esi(int value) {
    esi = value;
    return this;
  }

  public MutableRegisters edi(int value) {
    edi = value;
    return this;
  }

  public MutableRegisters ebp(int value) {
    ebp = value;
    return this;
  }

  @Override
  public String toString() {
    return "eax="
        + Registers.hex(eax)
        + ", ebx="
        + Registers.hex(ebx)
        + ", ecx="
        + Registers.hex(ecx)
        + ", edx="
        + Registers.hex(edx)
        + ", esi="
        + Registers.hex(esi)
        + ", edi="
        + Registers.hex(edi)
        + ", ebp="
        + Registers.hex(ebp);
  }
}
