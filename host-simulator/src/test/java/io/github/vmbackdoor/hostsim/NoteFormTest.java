package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A note's form makes the text the call once built, and says its length without making it, so the
 * call log weighs a call by a form as by its text.
 */
class NoteFormTest {

  private static final List<NoteForm> FORMS =
      List.of(
          NoteForm.ANNOUNCED,
          NoteForm.PIECE,
          NoteForm.PIECE_DELIVERED,
          NoteForm.DELIVERED,
          NoteForm.TO_RECEIVE,
          NoteForm.TO_RECEIVE_LABELLED,
          NoteForm.FETCHED,
          NoteForm.FETCHED_SHORT,
          NoteForm.RECEIVED,
          NoteForm.CLOSED,
          NoteForm.OPENED);

  @Test
  void makesTheWordsTheCallsBuilt() {
    assertThat(NoteForm.ANNOUNCED.text("SENDSIZE", null, 3, 40, 0))
        .isEqualTo("SENDSIZE ch 3: 40 bytes announced");
    assertThat(NoteForm.PIECE.text("RECVPAYLOAD", null, 3, 8, 40))
        .isEqualTo("RECVPAYLOAD ch 3: piece 8/40");
    assertThat(NoteForm.PIECE_DELIVERED.text("SENDPAYLOAD", null, 3, 40, 0))
        .isEqualTo("SENDPAYLOAD ch 3: piece, message of 40 bytes delivered");
    assertThat(NoteForm.DELIVERED.text("HB out", null, 3, 40, 0))
        .isEqualTo("HB out ch 3: message of 40 bytes delivered");
    assertThat(NoteForm.TO_RECEIVE.text("RECVSIZE", null, 3, 66, 0))
        .isEqualTo("RECVSIZE ch 3: 66 bytes to receive");
    assertThat(NoteForm.TO_RECEIVE_LABELLED.text("RECVSIZE", "reply", 3, 66, 0))
        .isEqualTo("RECVSIZE ch 3: 66 bytes to receive (reply)");
    assertThat(NoteForm.FETCHED.text("HB in", null, 3, 66, 0))
        .isEqualTo("HB in ch 3: 66 bytes fetched");
    assertThat(NoteForm.FETCHED_SHORT.text("HB in", null, 3, 64, 66))
        .isEqualTo("HB in ch 3: 64 bytes fetched (short read of 66)");
    assertThat(NoteForm.RECEIVED.text("RECVSTATUS", null, 3, 66, 0))
        .isEqualTo("RECVSTATUS ch 3: message of 66 bytes received");
    assertThat(NoteForm.CLOSED.text("CLOSE", null, 3, 0, 0)).isEqualTo("CLOSE ch 3: closed");
    assertThat(NoteForm.OPENED.text("RPCI", " cookie", 3, 0, 0))
        .isEqualTo("OPEN RPCI cookie: channel 3");
  }

  @Test
  void saysTheLengthOfItsTextForEveryNumber() {
    long[] numbers = {
      0,
      1,
      9,
      10,
      99,
      100,
      65_535,
      4_294_967_295L,
      999_999_999_999_999_999L,
      Long.MAX_VALUE,
      -1,
      -10,
      Long.MIN_VALUE
    };
    for (NoteForm form : FORMS) {
      for (long n : numbers) {
        String text = form.text("SENDSIZE", "reply", n, n, n);
        assertThat(form.length("SENDSIZE", "reply", n, n, n)).as(text).isEqualTo(text.length());
      }
    }
    for (long n : numbers) {
      assertThat(NoteForm.digits(n)).as("%s", n).isEqualTo(Long.toString(n).length());
    }
  }
}
