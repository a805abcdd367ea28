/**
 * What a host's read side returns: the calls it answered ({@link
 * io.github.vmbackdoor.hostsim.record.CallRecord}), its channels ({@link
 * io.github.vmbackdoor.hostsim.record.ChannelInfo}), the RPCI requests it received ({@link
 * io.github.vmbackdoor.hostsim.record.RpciRequest}), the TCLO exchanges ({@link
 * io.github.vmbackdoor.hostsim.record.TcloExchange}) and power-operation reports ({@link
 * io.github.vmbackdoor.hostsim.record.PowerOperationReport}). Immutable values only.
 */
package io.github.vmbackdoor.hostsim.record;
