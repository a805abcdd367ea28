package io.github.vmbackdoor.hostsim;

/**
 * The form of a call-log note made on a common path: constant words with slots for the call's
 * values (two strings the host already holds, such as a sub-command's name, and three numbers), so
 * that a call stores the raw values and its note becomes text only when the log is read ({@link
 * CallLog}). The text, and its length (which weighs the record in the log), are those of the string
 * the call would have built.
 */
final class NoteForm {

  /** A slot: the first or second string, the first, second or third number. */
  private static final Object S0 = new Object();

  private static final Object S1 = new Object();
  private static final Object N0 = new Object();
  private static final Object N1 = new Object();
  private static final Object N2 = new Object();

  /** {@code SENDSIZE ch 3: 40 bytes announced}. */
  static final NoteForm ANNOUNCED = of(S0, " ch ", N0, ": ", N1, " bytes announced");

  /** {@code SENDPAYLOAD ch 3: piece 8/40}, {@code RECVPAYLOAD ch 3: piece 8/40}. */
  static final NoteForm PIECE = of(S0, " ch ", N0, ": piece ", N1, "/", N2);

  /** {@code SENDPAYLOAD ch 3: piece, message of 40 bytes delivered}. */
  static final NoteForm PIECE_DELIVERED =
      of(S0, " ch ", N0, ": piece, message of ", N1, " bytes delivered");

  /** {@code HB out ch 3: message of 40 bytes delivered}. */
  static final NoteForm DELIVERED = of(S0, " ch ", N0, ": message of ", N1, " bytes delivered");

  /** {@code RECVSIZE ch 3: 66 bytes to receive}. */
  static final NoteForm TO_RECEIVE = of(S0, " ch ", N0, ": ", N1, " bytes to receive");

  /** {@code RECVSIZE ch 3: 66 bytes to receive (reply)}: the offer's label in S1. */
  static final NoteForm TO_RECEIVE_LABELLED =
      of(S0, " ch ", N0, ": ", N1, " bytes to receive (", S1, ")");

  /** {@code HB in ch 3: 66 bytes fetched}. */
  static final NoteForm FETCHED = of(S0, " ch ", N0, ": ", N1, " bytes fetched");

  /** {@code HB in ch 3: 64 bytes fetched (short read of 66)}. */
  static final NoteForm FETCHED_SHORT =
      of(S0, " ch ", N0, ": ", N1, " bytes fetched (short read of ", N2, ")");

  /** {@code RECVSTATUS ch 3: message of 66 bytes received}. */
  static final NoteForm RECEIVED = of(S0, " ch ", N0, ": message of ", N1, " bytes received");

  /** {@code CLOSE ch 3: closed}. */
  static final NoteForm CLOSED = of(S0, " ch ", N0, ": closed");

  /**
   * {@code OPEN RPCI cookie: channel 3}: the protocol's name in S0, {@code " cookie"} or "" in S1.
   */
  static final NoteForm OPENED = of("OPEN ", S0, S1, ": channel ", N0);

  private final Object[] parts;

  private NoteForm(Object[] parts) {
    this.parts = parts;
  }

  private static NoteForm of(Object... parts) {
    return new NoteForm(parts);
  }

  /** The length of the note's text with these values. */
  int length(String s0, String s1, long n0, long n1, long n2) {
    int length = 0;
    for (Object p : parts) {
      if (p == S0) {
        length += s0.length();
      } else if (p == S1) {
        length += s1.length();
      } else if (p == N0) {
        length += digits(n0);
      } else if (p == N1) {
        length += digits(n1);
      } else if (p == N2) {
        length += digits(n2);
      } else {
        length += ((String) p).length();
      }
    }
    return length;
  }

  /** The note's text with these values. */
  String text(String s0, String s1, long n0, long n1, long n2) {
    StringBuilder b = new StringBuilder(length(s0, s1, n0, n1, n2));
    for (Object p : parts) {
      if (p == S0) {
        b.append(s0);
      } else if (p == S1) {
        b.append(s1);
      } else if (p == N0) {
        b.append(n0);
      } else if (p == N1) {
        b.append(n1);
      } else if (p == N2) {
        b.append(n2);
      } else {
        b.append((String) p);
      }
    }
    return b.toString();
  }

  /** How many characters {@code v} takes in decimal, as {@link Long#toString(long)} writes it. */
  static int digits(long v) {
    if (v < 0) {
      return v == Long.MIN_VALUE ? 20 : 1 + digits(-v);
    }
    int n = 1;
    for (long bound = 10; n < 19 && v >= bound; bound *= 10) {
      n++;
    }
    return n;
  }
}
