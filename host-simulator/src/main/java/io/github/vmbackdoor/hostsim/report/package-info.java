/**
 * Pictures of scenario runs.
 *
 * <p>{@link io.github.vmbackdoor.hostsim.report.TimelinePicture} draws the runs of one scenario
 * (one lane per machine) on a virtual-time axis as one self-contained SVG, or an HTML page holding
 * it: host events across all lanes, TCLO polls as a thin band, failures, resets and reopens as
 * marks with the vmt log lines as hover titles, long repeats compressed with their count, and each
 * run's outcome beside its lane. docs/timeline-picture.md shows one.
 */
package io.github.vmbackdoor.hostsim.report;
