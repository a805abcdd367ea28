package io.github.vmbackdoor.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * A hand-written {@link Backdoor} for unit tests: records every call exactly as the guest made it
 * and answers from a queue of scripted answers, so a test can assert the registers of every
 * sub-call.
 */
final class ScriptedBackdoor implements Backdoor {

  enum Op {
    IN,
    OUTS,
    INS
  }

  /** One recorded call. */
  static final class Call {
    final Op op;
    final Registers registers;
    final byte[] bytes;

    Call(Op op, Registers registers, byte[] bytes) {
      this.op = op;
      this.registers = registers;
      this.bytes = bytes;
    }

    int subCommand() {
      return registers.ecxHigh();
    }

    @Override
    public String toString() {
      return op + " " + registers + (bytes == null ? "" : " bytes=" + Arrays.toString(bytes));
    }
  }

  /** One scripted answer: the registers to return and, for {@code ins}, the bytes to deliver. */
  static final class Answer {
    final Registers registers;
    final byte[] bytes;

    Answer(Registers registers, byte[] bytes) {
      this.registers = registers;
      this.bytes = bytes;
    }
  }

  private final Deque<Answer> answers = new ArrayDeque<>();
  final List<Call> calls = new ArrayList<>();

  /** Queues the answer of the next command-port call: ecx high word = status, the rest as given. */
  ScriptedBackdoor answer(Registers registers) {
    answers.add(new Answer(registers, null));
    return this;
  }

  /** Queues the answer of the next {@code ins}, delivering {@code bytes}. */
  ScriptedBackdoor answerIns(Registers registers, byte[] bytes) {
    answers.add(new Answer(registers, bytes));
    return this;
  }

  /** A command-port answer carrying only a status in the ecx high word. */
  static Registers status(int status) {
    return Registers.builder().ecx(status << 16).build();
  }

  /** A high-bandwidth answer carrying only a status in the ebx high word. */
  static Registers hbStatus(int status) {
    return Registers.builder().ebx(status << 16).build();
  }

  int remainingAnswers() {
    return answers.size();
  }

  @Override
  public Registers in(Registers registers) {
    calls.add(new Call(Op.IN, registers, null));
    return next().registers;
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    calls.add(new Call(Op.OUTS, registers, bytes.clone()));
    return next().registers;
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    calls.add(new Call(Op.INS, registers, null));
    Answer a = next();
    if (a.bytes != null) {
      System.arraycopy(a.bytes, 0, into, 0, Math.min(a.bytes.length, into.length));
    }
    return a.registers;
  }

  private Answer next() {
    Answer a = answers.poll();
    if (a == null) {
      throw new AssertionError("unscripted call: " + calls.get(calls.size() - 1));
    }
    return a;
  }
}
