package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Writer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A writer for a command's output that hands out each completed line, waiting at most thirty
 * seconds (a loaded machine starts a JVM slowly).
 */
final class OutputLines extends Writer {
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuilder current = new StringBuilder();
  private final StringBuilder all = new StringBuilder();

  String next() throws InterruptedException {
    String line = lines.poll(30, TimeUnit.SECONDS);
    assertThat(line).as("a line of output").isNotNull();
    return line;
  }

  @Override
  public synchronized void write(char[] chars, int offset, int length) {
    all.append(chars, offset, length);
    for (int i = offset; i < offset + length; i++) {
      char c = chars[i];
      if (c == '\n') {
        lines.add(current.toString().replace("\r", ""));
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
  }

  /** Everything written so far, whether handed out or not. */
  synchronized String text() {
    return all.toString();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
