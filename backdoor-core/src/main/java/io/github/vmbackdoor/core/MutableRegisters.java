package io.github.vmbackdoor.core;

/**
 * The seven registers of a backdoor call in a holder that is loaded, called on and read again, so
 * that a caller making many calls allocates nothing per call: what {@link Backdoor#in(
 * MutableRegisters)} and its high-bandwidth siblings take. A guest-side {@link MessageChannel}
 * borrows its thread's one for each send, receive, open and close, and keeps none of its own.
 *
 * <p>Not thread-safe: a holder belongs to one caller at a time. {@link Registers} stays the
 * immutable value the rest of the API speaks; {@link #load(Registers)} and {@link #toRegisters()}
 * convert between the two, and both are read as a {@link RegisterSet}.
 */
public final class MutableRegisters implements RegisterSet {

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
    return sameValues(registers);
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
    return Registers.text(this);
  }
}
