package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.record.RpciRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Parsing a request from its bytes gives what parsing its ISO-8859-1 text gives. */
class RpciRequestParserTest {

  private static final RpciRequestParser PARSER =
      new RpciRequestParser(List.of("info-set", "log", "vmx.capability.unified_loop", "a b", ""));

  private static void sameAsText(byte[] message) {
    Duration at = Duration.ofMillis(1234);
    RpciRequest expected =
        RpciRequest.parse(5, at, new String(message, StandardCharsets.ISO_8859_1));
    RpciRequest parsed = PARSER.parse(5, at, message);
    assertThat(parsed).as("%s", expected).isEqualTo(expected);
    assertThat(parsed.rawArguments()).isEqualTo(expected.rawArguments());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void edgeInputsParseAsTheirText() {
    String[] cases = {
      "",
      "\0",
      "\0\0\0",
      " ",
      "  ",
      " \0",
      "log",
      "log\0",
      "log ",
      "log \0",
      "log  x",
      "log x y\0",
      "lo",
      "logs x",
      "info-set guestinfo.a 1\0",
      "vmx.capability.unified_loop toolbox\0",
      "vmx.capability.unified_loop",
      "vmx.capability.unified_loo toolbox",
      "a b c",
      "a",
      " leading",
      "mid\0dle nul\0",
      "\0log x",
      "log\0 x",
      "caf\u00e9 \u00ff\u0080\0",
      "tab\tseparated x"
    };
    for (String c : cases) {
      sameAsText(bytes(c));
    }
  }

  @Test
  void aKnownCommandSharesItsNameAndOthersAreCopied() {
    RpciRequest known = PARSER.parse(1, Duration.ZERO, bytes("log hello\0"));
    assertThat(known.command()).isSameAs(knownName("log"));
    RpciRequest other = PARSER.parse(1, Duration.ZERO, bytes("logs hello\0"));
    assertThat(other.command()).isEqualTo("logs");
  }

  private static String knownName(String name) {
    // The parser keeps the strings it was given: the list's literal is the interned constant.
    return name.intern();
  }

  @Test
  void randomBytesParseAsTheirText() {
    SplittableRandom random = new SplittableRandom(29);
    byte[] alphabet = bytes("lo g\0ab-\u00ff");
    for (int i = 0; i < 5000; i++) {
      byte[] message = new byte[random.nextInt(12)];
      for (int j = 0; j < message.length; j++) {
        message[j] = alphabet[random.nextInt(alphabet.length)];
      }
      sameAsText(message);
    }
  }
}
