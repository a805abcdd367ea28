package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.io.BaseEncoding;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of {@code docs/wire-protocol.md} are true: the Java client produces exactly
 * the {@code C>} bytes for the calls the page describes, and the server produces exactly the {@code
 * S>} bytes for the host answers it describes.
 */
class WireProtocolExamplesTest {

  private static final int MAGIC = 0x564D5868;
  private static final int CKH = 0x1A2B3C4D;
  private static final int CKL = 0x5E6F7081;

  /** One backdoor call of the examples: what the guest loads and what the host answers. */
  private static final class Call {
    final TraceCall.Operation operation;
    final Registers registers;
    final byte[] bytes;
    final Registers answer;
    final byte[] answerBytes;

    Call(
        TraceCall.Operation operation,
        Registers registers,
        byte[] bytes,
        Registers answer,
        byte[] answerBytes) {
      this.operation = operation;
      this.registers = registers;
      this.bytes = bytes;
      this.answer = answer;
      this.answerBytes = answerBytes;
    }
  }

  private static Call in(Registers registers, Registers answer) {
    return new Call(TraceCall.Operation.IN, registers, null, answer, null);
  }

  private static Registers r(int eax, int ebx, int ecx, int edx, int esi, int edi, int ebp) {
    return Registers.of(eax, ebx, ecx, edx, esi, edi, ebp);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The calls of §7.2 to §7.4, in order, as the page explains them in words. */
  private static final List<Call> CALLS =
      List.of(
          // GETVERSION
          in(r(MAGIC, 0xA9B2A797, 0xFFFF000A, 0x5658, 0, 0, 0), r(6, MAGIC, 2, 0x5658, 0, 0, 0)),
          // OPEN RPCI with cookies
          in(
              r(MAGIC, 0xC9435052, 0x0000001E, 0x5658, 0, 0, 0),
              r(MAGIC, 0xC9435052, 0x0001001E, 0x00035658, CKH, CKL, 0)),
          // SENDSIZE 21
          in(
              r(MAGIC, 21, 0x0001001E, 0x00035658, CKH, CKL, 0),
              r(MAGIC, 21, 0x0081001E, 0x00035658, CKH, CKL, 0)),
          // HB OUTS
          new Call(
              TraceCall.Operation.OUTS,
              r(MAGIC, 0x00010000, 21, 0x00035659, 0, CKL, CKH),
              ascii("info-get guestinfo.ip"),
              r(MAGIC, 0x00010000, 0, 0x00035659, 0, CKL, CKH),
              null),
          // RECVSIZE
          in(
              r(MAGIC, 0, 0x0003001E, 0x00035658, CKH, CKL, 0),
              r(MAGIC, 10, 0x0083001E, 0x00015658, CKH, CKL, 0)),
          // HB INS
          new Call(
              TraceCall.Operation.INS,
              r(MAGIC, 0x00010000, 10, 0x00035659, CKH, 0, CKL),
              null,
              r(MAGIC, 0x00010000, 0, 0x00035659, CKH, 0, CKL),
              ascii("1 10.0.0.7")),
          // RECVSTATUS
          in(
              r(MAGIC, 1, 0x0005001E, 0x00035658, CKH, CKL, 0),
              r(MAGIC, 1, 0x0001001E, 0x00035658, CKH, CKL, 0)),
          // CLOSE
          in(
              r(MAGIC, 0, 0x0006001E, 0x00035658, CKH, CKL, 0),
              r(MAGIC, 0, 0x0001001E, 0x00035658, CKH, CKL, 0)),
          // SENDPAYLOAD "info"
          in(
              r(MAGIC, 0x6F666E69, 0x0002001E, 0x00035658, CKH, CKL, 0),
              r(MAGIC, 0x6F666E69, 0x0001001E, 0x00035658, CKH, CKL, 0)),
          // RECVPAYLOAD "1 10"
          in(
              r(MAGIC, 1, 0x0004001E, 0x00035658, CKH, CKL, 0),
              r(MAGIC, 0x30312031, 0x0001001E, 0x00025658, CKH, CKL, 0)));

  /** One frame of the page: direction and bytes. */
  private static final class DocFrame {
    final boolean fromClient;
    final byte[] bytes;

    DocFrame(boolean fromClient, byte[] bytes) {
      this.fromClient = fromClient;
      this.bytes = bytes;
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
  void thePageShowsTheHandshakeThenEveryCall() {
    assertThat(frames).hasSize(2 + 2 * CALLS.size());
    for (int i = 0; i < frames.size(); i++) {
      assertThat(frames.get(i).fromClient).as("frame %s from the client", i).isEqualTo(i % 2 == 0);
      byte[] bytes = frames.get(i).bytes;
      long length =
          ((bytes[0] & 0xFFL) << 24)
              | ((bytes[1] & 0xFF) << 16)
              | ((bytes[2] & 0xFF) << 8)
              | (bytes[3] & 0xFF);
      assertThat(length).as("length field of frame %s", i).isEqualTo(bytes.length - 4);
    }
  }

  @Test
  void theServerAnswersWithTheBytesOnThePage() throws IOException {
    ScriptedHost host = new ScriptedHost(CALLS);
    try (SimulatorServer server =
            SimulatorServer.builder(Map.of("vm1", (Backdoor) host)::get).start();
        RawClient client = new RawClient(server.address())) {
      for (int i = 0; i < frames.size(); i += 2) {
        client.send(frames.get(i).bytes);
        RawClient.Frame answer = client.readFrame();
        byte[] received = new byte[4 + 1 + answer.body.length];
        received[3] = (byte) (1 + answer.body.length);
        received[2] = (byte) ((1 + answer.body.length) >>> 8);
        received[4] = (byte) answer.type;
        System.arraycopy(answer.body, 0, received, 5, answer.body.length);
        assertThat(hex(received))
            .as("server frame %s", i + 1)
            .isEqualTo(hex(frames.get(i + 1).bytes));
      }
      assertThat(host.remaining).isEmpty();
    }
  }

  @Test
  void theClientSendsTheBytesOnThePage() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(5000);
      CompletableFuture<List<String>> mismatches =
          CompletableFuture.supplyAsync(() -> playServer(listener));
      try (RemoteBackdoor guest =
          RemoteBackdoor.connect("127.0.0.1", listener.getLocalPort(), "vm1")) {
        for (Call call : CALLS) {
          switch (call.operation) {
            case IN:
              assertThat(guest.in(call.registers)).isEqualTo(call.answer);
              break;
            case OUTS:
              assertThat(guest.outs(call.registers, call.bytes)).isEqualTo(call.answer);
              break;
            default:
              byte[] into = new byte[call.registers.ecx()];
              assertThat(guest.ins(call.registers, into)).isEqualTo(call.answer);
              assertThat(into).isEqualTo(call.answerBytes);
          }
        }
      }
      assertThat(mismatches.get(10, TimeUnit.SECONDS)).isEmpty();
    }
  }

  /** The RPCI example is what the guest message layer really does, over the wire. */
  @Test
  void theGuestMessageLayerMakesExactlyTheRpciExampleCalls() {
    ScriptedHost host = new ScriptedHost(CALLS.subList(1, 8));
    try (SimulatorServer server =
            SimulatorServer.builder(Map.of("vm1", (Backdoor) host)::get).start();
        RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm1")) {
      MessageChannel channel = MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_RPCI);
      assertThat(channel.id()).isEqualTo(3);
      channel.send(ascii("info-get guestinfo.ip"));
      assertThat(channel.receive()).isEqualTo(ascii("1 10.0.0.7"));
      channel.close();
      assertThat(host.remaining).isEmpty();
    }
  }

  /** Plays the server's side of the page: expects each C> frame, answers with each S> frame. */
  private static List<String> playServer(ServerSocket listener) {
    List<String> mismatches = new ArrayList<>();
    try (Socket socket = listener.accept()) {
      socket.setSoTimeout(5000);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      for (int i = 0; i < frames.size(); i++) {
        DocFrame frame = frames.get(i);
        if (frame.fromClient) {
          byte[] received = new byte[frame.bytes.length];
          in.readFully(received);
          if (!Arrays.equals(received, frame.bytes)) {
            mismatches.add(
                "client frame "
                    + i
                    + ": sent "
                    + hex(received)
                    + ", page says "
                    + hex(frame.bytes));
          }
        } else {
          out.write(frame.bytes);
          out.flush();
        }
      }
    } catch (IOException e) {
      mismatches.add("fake server failed: " + e);
    }
    return mismatches;
  }

  private static String hex(byte[] bytes) {
    return BaseEncoding.base16().lowerCase().withSeparator(" ", 2).encode(bytes);
  }

  /** A host that expects exactly the example calls, in order, and gives the example answers. */
  private static final class ScriptedHost implements Backdoor {
    final Deque<Call> remaining;

    ScriptedHost(List<Call> calls) {
      remaining = new ArrayDeque<>(calls);
    }

    private Call next(TraceCall.Operation operation, Registers registers, byte[] bytes) {
      Call call = remaining.poll();
      assertThat(call).as("a call the page shows").isNotNull();
      assertThat(operation).isEqualTo(call.operation);
      assertThat(registers).isEqualTo(call.registers);
      assertThat(bytes).isEqualTo(call.bytes);
      return call;
    }

    @Override
    public synchronized Registers in(Registers registers) {
      return next(TraceCall.Operation.IN, registers, null).answer;
    }

    @Override
    public synchronized Registers outs(Registers registers, byte[] bytes) {
      return next(TraceCall.Operation.OUTS, registers, bytes).answer;
    }

    @Override
    public synchronized Registers ins(Registers registers, byte[] into) {
      Call call = next(TraceCall.Operation.INS, registers, null);
      System.arraycopy(call.answerBytes, 0, into, 0, into.length);
      return call.answer;
    }
  }
}
