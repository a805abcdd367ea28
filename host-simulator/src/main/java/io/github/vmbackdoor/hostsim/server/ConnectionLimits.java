package io.github.vmbackdoor.hostsim.server;

import com.google.common.base.Ticker;

/**
 * What one established connection may hold, from the server's {@link SimulatorServer.Builder}.
 *
 * @param maxPipelinedRequests requests received and waiting to be carried out (because the client
 *     does not read its answers); one more closes the connection with {@link WireError#OVERLOADED}
 * @param maxQueuedAnswers answers written and not yet taken by the client; at this many the server
 *     stops carrying out the connection's requests (and reading it) until the client reads
 * @param readTimeoutNanos see {@link ReadTimeout}
 * @param ticker the clock of the read timeout and of the refusal log
 */
record ConnectionLimits(
    int maxPipelinedRequests, int maxQueuedAnswers, long readTimeoutNanos, Ticker ticker) {}
