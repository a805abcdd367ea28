package io.github.vmbackdoor.hostsim.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/** A request the admin API refuses: its status (4xx) and a one-line message for the client. */
final class AdminException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;

  AdminException(HttpResponseStatus status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  HttpResponseStatus status() {
    return status;
  }

  static AdminException badRequest(String message) {
    return new AdminException(HttpResponseStatus.BAD_REQUEST, message);
  }

  static AdminException notFound(String message) {
    return new AdminException(HttpResponseStatus.NOT_FOUND, message);
  }
}
