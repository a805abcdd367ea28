package io.github.vmbackdoor.hostsim.record;

import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.Optional;

/**
 * What became of one power operation the host requested: the guest's TCLO reply to the command, and
 * the status it reported with {@code tools.os.statechange.status}.
 *
 * @param operation the operation requested
 * @param requestedAt host time (since the host was built) the request was queued
 * @param reply the guest's TCLO reply to the command, once it arrived
 * @param reportedSuccess the success flag of the matching state-change report, once it arrived
 */
public record PowerOperationReport(
    GuestOsState operation,
    Duration requestedAt,
    Optional<String> reply,
    Optional<Boolean> reportedSuccess) {}
