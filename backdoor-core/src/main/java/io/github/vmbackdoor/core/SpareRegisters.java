package io.github.vmbackdoor.core;

/**
 * Each thread's spare {@link MutableRegisters}, lent to one message-layer operation at a time: a
 * channel holds no holder of its own between operations, and an operation allocates none. An
 * operation started on the same thread while another holds the spare (from inside a backdoor's
 * call) gets a holder of its own.
 */
final class SpareRegisters {

  private static final ThreadLocal<SpareRegisters> OF_THREAD =
      ThreadLocal.withInitial(SpareRegisters::new);

  /** The thread's spare, or null while an operation has it. */
  private MutableRegisters spare = new MutableRegisters();

  private SpareRegisters() {}

  /** The calling thread's spares. */
  static SpareRegisters ofThread() {
    return OF_THREAD.get();
  }

  /** The spare, now the caller's until {@link #giveBack}; a new holder when it is lent already. */
  MutableRegisters borrow() {
    MutableRegisters r = spare;
    if (r == null) {
      return new MutableRegisters();
    }
    spare = null;
    return r;
  }

  /** Returns a holder borrowed from this thread's spares. */
  void giveBack(MutableRegisters r) {
    spare = r;
  }
}
