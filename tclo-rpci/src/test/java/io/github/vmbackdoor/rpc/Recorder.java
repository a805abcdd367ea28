package io.github.vmbackdoor.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Collects a machine's events and log lines. */
final class Recorder implements TcloListener {
  final List<TcloEvent> events = new ArrayList<>();
  final List<String> lines = new ArrayList<>();

  @Override
  public void onEvent(TcloEvent event) {
    events.add(event);
  }

  @Override
  public void onLogLine(String line) {
    lines.add(line);
  }

  List<TcloEvent.Type> types() {
    return events.stream().map(TcloEvent::type).collect(Collectors.toList());
  }

  long count(TcloEvent.Type type) {
    return events.stream().filter(e -> e.type() == type).count();
  }

  long countLines(String line) {
    return lines.stream().filter(line::equals).count();
  }

  void clear() {
    events.clear();
    lines.clear();
  }
}
