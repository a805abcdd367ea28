package io.github.vmbackdoor.hostsim;

/**
 * An RPCI command of one's own, with its name: the handler {@link
 * VirtualHostBuilder#rpciHandler(String, RpciHandler)} installs under {@link #name()}. As a service
 * (one class with a public no-argument constructor, listed in {@code
 * META-INF/services/io.github.vmbackdoor.hostsim.RpciCommand}) every host that {@code serve}, the
 * scenario runner, replay and the JUnit extension build answers it.
 */
public interface RpciCommand extends RpciHandler {

  /** The command's name, the request's first word: {@code echo} answers {@code echo hello}. */
  String name();
}
