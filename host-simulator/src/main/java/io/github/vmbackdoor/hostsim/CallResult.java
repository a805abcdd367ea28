package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import java.time.Duration;

/**
 * The outcome of one backdoor call: the answer registers, a note for the log, extra time. The note
 * is made only when {@link #describe} is set (the call log keeps it). A common outcome's note is a
 * {@link NoteForm} with its values ({@link #noted}), which the log keeps raw and makes text of only
 * when it is read; a rarer one is text in {@link #note}, which wins over a form.
 *
 * <p>One result per thread is reused from call to call ({@link #acquire}), its answer a mutable
 * holder, so a call allocates nothing for its outcome; a call made while another on the same thread
 * is being answered (a host part calling a guest back) gets a fresh one.
 */
final class CallResult {

  private static final ThreadLocal<CallResult> SCRATCH = ThreadLocal.withInitial(CallResult::new);

  boolean describe;

  /** The registers the guest reads back. */
  final MutableRegisters answer = new MutableRegisters();

  /** The note as text, or null when it is {@link #form}'s. */
  String note;

  /** The note's form when it is not text (its values below), or null. */
  NoteForm form;

  /** The form's strings: the first is also the channel's name in {@link #prefix()}. */
  String s0;

  String s1;

  /** The form's numbers: the first is also the channel's id in {@link #prefix()}. */
  long n0;

  long n1;
  long n2;

  /** Words appended to a form's text (a fault's suffix), "" for none. */
  String tail = "";

  Duration delay = Duration.ZERO;
  int payloadLength;
  long payloadCrc;
  private boolean inUse;

  private CallResult() {}

  /** This thread's result, cleared, or a new one when it is in use; give it back with release. */
  static CallResult acquire(boolean describe) {
    CallResult res = SCRATCH.get();
    if (res.inUse) {
      res = new CallResult();
    }
    res.inUse = true;
    res.describe = describe;
    res.note = null;
    res.form = null;
    res.tail = "";
    res.delay = Duration.ZERO;
    res.payloadLength = 0;
    res.payloadCrc = 0;
    return res;
  }

  /** Ends the use of a result from {@link #acquire}. */
  void release() {
    inUse = false;
  }

  /** Whether this is the calling thread's reused result (for the tests). */
  static boolean isThreadScratch(CallResult res) {
    return SCRATCH.get() == res;
  }

  /** Answers with {@code registers}. */
  CallResult answer(Registers registers) {
    answer.load(registers);
    return this;
  }

  /** Answers with the registers as loaded, to be changed. */
  MutableRegisters answerLoaded(MutableRegisters loaded) {
    return answer.load(loaded);
  }

  /**
   * Names the channel a message call is about, {@code name ch id: } at the head of its notes: two
   * stores, the words are made only for a note of text ({@link #prefix()}).
   */
  void channel(String name, int id) {
    s0 = name;
    n0 = id;
  }

  /** The head of a note about the channel of {@link #channel}: {@code SENDSIZE ch 3: }. */
  String prefix() {
    return s0 + " ch " + n0 + ": ";
  }

  /** Notes the channel's {@link #prefix()} and {@code what} when the log keeps it. */
  CallResult channelNote(String what) {
    if (describe) {
      note = prefix() + what;
    }
    return this;
  }

  /**
   * Notes {@code form} about the channel of {@link #channel}, with the numbers {@code n1} and
   * {@code n2}, when the log keeps it.
   */
  void noted(NoteForm form, long n1, long n2) {
    if (describe) {
      this.note = null;
      this.form = form;
      this.n1 = n1;
      this.n2 = n2;
    }
  }

  /** Appends {@code more} to the note (text or form) when the log keeps it. */
  void appendNote(String more) {
    if (!describe || more.isEmpty()) {
      return;
    }
    if (note != null) {
      note += more;
    } else if (form != null) {
      tail += more;
    }
  }

  /** The length of the note's text, without making it. */
  int noteLength() {
    return note != null || form == null
        ? note.length()
        : form.length(s0, s1, n0, n1, n2) + tail.length();
  }

  /** Notes {@code prefix} and {@code what} when the log keeps it. */
  CallResult note(String prefix, String what) {
    if (describe) {
      note = prefix + what;
    }
    return this;
  }

  /**
   * Answers with {@code registers}, noting {@code prefix} and {@code what} when the log keeps it.
   */
  void answer(Registers registers, String prefix, String what) {
    answer(registers).note(prefix, what);
  }

  /** The call-log words for a complete message: delivered, or refused and why. */
  static String delivered(String refused) {
    return refused == null ? "delivered" : "refused: " + refused;
  }
}
