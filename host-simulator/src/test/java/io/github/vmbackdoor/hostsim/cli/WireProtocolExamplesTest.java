package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.io.BaseEncoding;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of {@code docs/wire-protocol.md} are what {@code serve} really answers: every
 * {@code C>} frame of the page's {@code ```hex} blocks is sent, in page order, to a freshly started
 * {@code serve} (default options, so the real {@code VirtualHost} of VM {@code vm1} behind the real
 * server), and every answer must equal the {@code S>} frame that follows it, byte for byte. A HELLO
 * starts a new connection after closing the previous one; after an ERROR frame the server must
 * close the connection.
 */
class WireProtocolExamplesTest {

  private static final int HELLO = 0x01;
  private static final int ERROR = 0xFF;

  /** One frame of the page: direction and bytes. */
  private record DocFrame(boolean fromClient, byte[] bytes) {
    int type() {
      return bytes[4] & 0xFF;
    }
  }

  private static List<DocFrame> frames;

  @BeforeAll
  static void readThePage() throws IOException {
    Path page =
        Path.of(System.getProperty("user.dir")).resolve("../docs/wire-protocol.md").normalize();
    frames = parseHexBlocks(Files.readAllLines(page));
  }

  /** Frames of the ```hex blocks: "C>" or "S>" starts a frame, indented lines continue it. */
  private static List<DocFrame> parseHexBlocks(List<String> lines) {
    List<DocFrame> result = new ArrayList<>();
    boolean inBlock = false;
    Boolean fromClient = null;
    StringBuilder hex = new StringBuilder();
    for (String line : lines) {
      if (!inBlock) {
        inBlock = line.equals("```hex");
        continue;
      }
      boolean end = line.equals("```");
      boolean start = line.startsWith("C>") || line.startsWith("S>");
      if ((end || start) && fromClient != null) {
        result.add(
            new DocFrame(fromClient, BaseEncoding.base16().lowerCase().decode(hex.toString())));
        hex.setLength(0);
        fromClient = null;
      }
      if (end) {
        inBlock = false;
      } else if (start) {
        fromClient = line.startsWith("C>");
        hex.append(line.substring(2).replace(" ", ""));
      } else {
        assertThat(line).as("continuation line").startsWith("   ");
        hex.append(line.replace(" ", ""));
      }
    }
    return result;
  }

  @Test
  void everyFrameOnThePageIsWellFormedAndAnswered() {
    assertThat(frames).hasSizeGreaterThan(56);
    assertThat(frames.stream().filter(f -> f.fromClient() && f.type() == HELLO)).hasSize(2);
    for (int i = 0; i < frames.size(); i++) {
      DocFrame frame = frames.get(i);
      assertThat(frame.fromClient()).as("frame %s from the client", i).isEqualTo(i % 2 == 0);
      byte[] bytes = frame.bytes();
      long length =
          ((bytes[0] & 0xFFL) << 24)
              | ((bytes[1] & 0xFF) << 16)
              | ((bytes[2] & 0xFF) << 8)
              | (bytes[3] & 0xFF);
      assertThat(length).as("length field of frame %s", i).isEqualTo(bytes.length - 4);
    }
  }

  @Test
  void serveAnswersWithTheBytesOnThePage() throws Exception {
    try (RunningServe serve = new RunningServe()) {
      Socket socket = null;
      try {
        for (int i = 0; i + 1 < frames.size(); i += 2) {
          DocFrame request = frames.get(i);
          if (request.type() == HELLO) {
            if (socket != null) {
              socket.close();
            }
            socket = new Socket(serve.host(), serve.port());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(5000);
          }
          assertThat(socket).as("a HELLO opens the page's first connection").isNotNull();
          socket.getOutputStream().write(withRealCookies(request.bytes()));
          socket.getOutputStream().flush();
          byte[] answer = readFrame(new DataInputStream(socket.getInputStream()));
          DocFrame expected = frames.get(i + 1);
          learnCookies(expected.bytes(), answer);
          assertThat(withPageCookies(hex(answer)))
              .as("answer to frame %s", i)
              .isEqualTo(hex(expected.bytes()));
          if (expected.type() == ERROR) {
            assertClosed(socket);
          }
        }
      } finally {
        if (socket != null) {
          socket.close();
        }
      }
    }
  }

  private static byte[] readFrame(DataInputStream in) throws IOException {
    int length = in.readInt();
    assertThat(length).as("frame length").isBetween(1, 69_665);
    byte[] frame = new byte[4 + length];
    frame[0] = (byte) (length >>> 24);
    frame[1] = (byte) (length >>> 16);
    frame[2] = (byte) (length >>> 8);
    frame[3] = (byte) length;
    in.readFully(frame, 4, length);
    return frame;
  }

  private static void assertClosed(Socket socket) throws IOException {
    try {
      assertThat(socket.getInputStream().read()).as("byte after the ERROR frame").isEqualTo(-1);
    } catch (EOFException | SocketException e) {
      // a reset is a close too
    }
  }

  /** The page's cookies (4 bytes each, as hex) and the ones this run's server drew instead. */
  private final java.util.Map<String, String> cookies = new java.util.HashMap<>();

  /**
   * Where an answer frame carries esi and edi (OPEN's cookies): after length, type, status,
   * eax..edx.
   */
  private static final int ESI = 4 + 1 + 4 + 4 * 4;

  /**
   * Serve draws its cookies from SecureRandom: an answer that differs from the page only in esi and
   * edi of an OPEN answer maps the page's cookies to this run's.
   */
  private void learnCookies(byte[] expected, byte[] answer) {
    if (expected.length != answer.length || expected.length < ESI + 8) {
      return;
    }
    byte[] masked = answer.clone();
    System.arraycopy(expected, ESI, masked, ESI, 8);
    if (java.util.Arrays.equals(masked, expected)) {
      for (int at = ESI; at < ESI + 8; at += 4) {
        String page = hex(java.util.Arrays.copyOfRange(expected, at, at + 4));
        cookies.put(page, hex(java.util.Arrays.copyOfRange(answer, at, at + 4)));
        System.arraycopy(expected, at, answer, at, 4);
      }
    }
  }

  /** {@code request} with the page's cookies replaced by this run's. */
  private byte[] withRealCookies(byte[] request) {
    String text = hex(request);
    for (java.util.Map.Entry<String, String> e : cookies.entrySet()) {
      if (!e.getKey().equals("00 00 00 00")) {
        text = text.replace(e.getKey(), e.getValue());
      }
    }
    return BaseEncoding.base16().lowerCase().decode(text.replace(" ", ""));
  }

  /** An answer's hex with this run's cookies (echoed in registers) put back as the page's. */
  private String withPageCookies(String text) {
    for (java.util.Map.Entry<String, String> e : cookies.entrySet()) {
      if (!e.getKey().equals("00 00 00 00")) {
        text = text.replace(e.getValue(), e.getKey());
      }
    }
    return text;
  }

  private static String hex(byte[] bytes) {
    return BaseEncoding.base16().lowerCase().withSeparator(" ", 2).encode(bytes);
  }
}
