/**
 * Pictures of scenario runs.
 *
 * <p>{@link io.github.vmbackdoor.hostsim.report.TimelinePicture} draws the runs of one scenario
 * (one lane per machine) on a virtual-time axis as one self-contained SVG, or an HTML page holding
 * it: host events across all lanes, TCLO polls as a thin band, failures, resets and reopens as
 * marks with the vmt log lines as hover titles, long repeats compressed with their count, and each
 * run's outcome beside its lane. When the story (the host events and the machines' reactions until
 * they repeat themselves, {@code Story}) takes a small part of the run, the lanes zoom on it and a
 * strip above them shows the whole run. docs/timeline-picture.md shows one.
 */
package io.github.vmbackdoor.hostsim.report;
