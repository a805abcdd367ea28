package io.github.vmbackdoor.hostsim.scenario;

import io.github.vmbackdoor.core.TraceEntry;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** One trace of a replay: its reader (opened when its first line is due) and its next line. */
final class ReplayTrace {
  final Path path;
  final String name;
  final TraceHeader header;
  final long opened;
  TraceReader reader;
  TraceEntry head;
  int calls;

  ReplayTrace(TraceReader reader, String name, TraceHeader header) {
    this.path = null;
    this.reader = reader;
    this.name = name;
    this.header = header;
    this.opened = opened(header);
  }

  ReplayTrace(Path path, TraceHeader header) {
    this.path = path;
    this.name = fileName(path);
    this.header = header;
    this.opened = opened(header);
  }

  String connection() {
    return header.vm().get(HostReplay.CONNECTION_KEY);
  }

  /** Reads the next line into {@link #head}; false at the end. */
  boolean advance() {
    if (reader == null) {
      reader = TraceReader.open(path);
    }
    try {
      head = reader.nextEntry();
    } catch (TraceFormatException e) {
      throw path == null ? e : inThis(e);
    }
    if (head == null && path != null) {
      close();
    }
    return head != null;
  }

  TraceFormatException inThis(TraceFormatException e) {
    String reason = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
    return new TraceFormatException(e.lineNumber(), "in " + name + ", " + reason, e);
  }

  void close() {
    if (reader != null) {
      reader.close();
    }
  }

  private static long opened(TraceHeader header) {
    try {
      return Long.parseLong(header.vm().getOrDefault(HostReplay.OPENED_KEY, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * The traces of {@code target}'s session in its directory that began before it ended, ordered by
   * their first line; {@code target} alone when it has no session.
   */
  static List<ReplayTrace> session(ReplayTrace target, Path file) {
    String session = target.header.vm().get(HostReplay.SESSION_KEY);
    Path directory = file.toAbsolutePath().getParent();
    if (session == null || directory == null) {
      return List.of(target);
    }
    String vm = target.header.vm().get("vm");
    List<ReplayTrace> parts = new ArrayList<>();
    parts.add(target);
    Path self = file.toAbsolutePath().normalize();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.jsonl")) {
      for (Path other : files) {
        if (other.toAbsolutePath().normalize().equals(self) || !Files.isRegularFile(other)) {
          continue;
        }
        TraceHeader header;
        try (TraceReader r = TraceReader.open(other)) {
          header = r.header();
        } catch (RuntimeException e) {
          continue; // not a trace, or not one this reader reads: not of the session
        }
        if (session.equals(header.vm().get(HostReplay.SESSION_KEY))
            && Objects.equals(vm, header.vm().get("vm"))) {
          parts.add(new ReplayTrace(other, header));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
    parts.sort(Comparator.comparingLong((ReplayTrace p) -> p.opened).thenComparing(p -> p.name));
    return parts;
  }

  static String fileName(Path file) {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }
}
