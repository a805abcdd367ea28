/*
 * wirebench: the wire benchmark of docs/benchmarks.md, written in C from docs/wire-protocol.md.
 *
 *   wirebench HOST PORT VM [trials] [calls per trial]
 *
 * Connects to `vmbackdoor serve` at HOST:PORT as VM, and starts its own echo server on a free
 * loopback port (a child process). Each trial measures, alternating call by call so that both
 * sides see the same machine load:
 *   - GETVERSION against serve (one IN frame of 37 bytes, one IN_RESPONSE of 37 bytes);
 *   - the same frame sizes against the echo server (the raw ping-pong);
 *   - a full RPCI round trip against serve: OPEN, SENDSIZE, OUTS (the request), RECVSIZE,
 *     INS (the reply), RECVSTATUS, CLOSE: seven frames each way, `info-get guestinfo.bench`
 *     answered with a 64-byte value;
 *   - the same seven frame sizes against the echo server.
 * It prints each trial (mean and median per round trip) and the mean and standard deviation over
 * trials of the time per round trip, of the ratio serve/raw of the means and of the medians, with
 * the load average before and after.
 *
 * With WIREBENCH_SERVE_PID set to serve's process id, it also prints the CPU time per frame of
 * serve and of its own echo server over the measured trials (utime + stime of each process from
 * /proc/PID/stat, every thread included, divided by the frames each answered): a figure that does
 * not depend on where the scheduler places the processes, as the latencies do; and serve's figure
 * again without the time of its JIT compiler threads over the same trials (compiling is paid once
 * per run, not per frame, and a short run still compiles during its first measured trials).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wire-io.h"

#define MAGIC 0x564D5868u
#define LB_PORT 0x5658u
#define HB_PORT 0x5659u
#define RPCI 0x49435052u
#define COOKIE 0x80000000u
#define MESSAGE 30u
#define GETVERSION 10u
#define FRAME_IN 0x02
#define FRAME_OUTS 0x03
#define FRAME_INS 0x04
#define REGS 7
#define HEADER 37 /* length, type, seq, seven registers */
#define MAX_FRAME 70000

static unsigned char out_buf[MAX_FRAME];
static unsigned char in_buf[MAX_FRAME];
static uint32_t seq;

static void die(const char *what) {
  fprintf(stderr, "wirebench: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
  exit(2);
}

/* Reads one frame into in_buf; returns its total length (prefix included). */
static size_t read_frame(int fd) {
  read_all(fd, in_buf, 4);
  uint32_t len = get32(in_buf);
  if (len < 1 || len + 4 > MAX_FRAME) die("frame length");
  read_all(fd, in_buf + 4, len);
  return len + 4;
}

static int connect_to(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("address");
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* One call to serve: writes the request, reads the response, checks type and seq. */
static void call(int fd, int type, uint32_t regs[REGS], const unsigned char *bytes, uint32_t k,
                 unsigned char *into) {
  size_t total = HEADER + (type == FRAME_OUTS ? k : 0);
  put32(out_buf, (uint32_t)(total - 4));
  out_buf[4] = (unsigned char)type;
  put32(out_buf + 5, ++seq);
  for (int i = 0; i < REGS; i++) put32(out_buf + 9 + 4 * i, regs[i]);
  if (type == FRAME_OUTS) memcpy(out_buf + HEADER, bytes, k);
  write_all(fd, out_buf, total);
  size_t got = read_frame(fd);
  if (in_buf[4] != (type | 0x80) || get32(in_buf + 5) != seq) die("response type or seq");
  for (int i = 0; i < REGS; i++) regs[i] = get32(in_buf + 9 + 4 * i);
  if (type == FRAME_INS) {
    if (got != HEADER + k) die("INS response length");
    memcpy(into, in_buf + HEADER, k);
  }
}

static uint32_t status_lb(uint32_t regs[REGS]) { return regs[2] >> 16; }

/* A command-port MESSAGE sub-call on channel (id, ckH, ckL). */
static void message(int fd, uint32_t sub, uint32_t ebx, uint32_t id, uint32_t ckh, uint32_t ckl,
                    uint32_t regs[REGS]) {
  uint32_t r[REGS] = {MAGIC, ebx, sub << 16 | MESSAGE, id << 16 | LB_PORT, ckh, ckl, 0};
  call(fd, FRAME_IN, r, NULL, 0, NULL);
  memcpy(regs, r, sizeof r);
}

/* One RPCI request and reply over HB: OPEN, SENDSIZE, OUTS, RECVSIZE, INS, RECVSTATUS, CLOSE. */
static size_t rpci(int fd, const char *request, unsigned char *reply) {
  uint32_t r[REGS];
  uint32_t k = (uint32_t)strlen(request);
  message(fd, 0, RPCI | COOKIE, 0, 0, 0, r);
  if (!(status_lb(r) & 1)) die("OPEN refused");
  uint32_t id = r[3] >> 16, ckh = r[4], ckl = r[5];
  message(fd, 1, k, id, ckh, ckl, r);
  if ((status_lb(r) & 0x81) != 0x81) die("SENDSIZE refused or no HB");
  uint32_t o[REGS] = {MAGIC, 0x00010000u, k, id << 16 | HB_PORT, 0, ckl, ckh};
  call(fd, FRAME_OUTS, o, (const unsigned char *)request, k, NULL);
  if (!((o[1] >> 16) & 1)) die("OUTS refused");
  message(fd, 3, 0, id, ckh, ckl, r);
  if ((status_lb(r) & 0x83) != 0x83) die("RECVSIZE: no reply");
  uint32_t n = r[1];
  uint32_t i[REGS] = {MAGIC, 0x00010000u, n, id << 16 | HB_PORT, ckh, 0, ckl};
  call(fd, FRAME_INS, i, NULL, n, reply);
  if (!((i[1] >> 16) & 1)) die("INS refused");
  message(fd, 5, 1, id, ckh, ckl, r);
  if (!(status_lb(r) & 1)) die("RECVSTATUS refused");
  message(fd, 6, 0, id, ckh, ckl, r);
  if (!(status_lb(r) & 1)) die("CLOSE refused");
  return n;
}

/* The raw ping-pong: a frame of `request` bytes out, one of `response` bytes back. The echo
 * server learns the response size from the request's seq field. */
static void raw(int fd, size_t request, size_t response) {
  put32(out_buf, (uint32_t)(request - 4));
  out_buf[4] = FRAME_IN;
  put32(out_buf + 5, (uint32_t)response);
  write_all(fd, out_buf, request);
  if (read_frame(fd) != response) die("echo length");
}

static void echo_server(int listener) {
  signal(SIGPIPE, SIG_IGN);
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) die("accept");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  static unsigned char reply[MAX_FRAME];
  for (;;) {
    unsigned char head[4];
    ssize_t r = read(fd, head, 4);
    if (r <= 0) exit(0);
    if (r < 4) read_all(fd, head + r, 4 - (size_t)r);
    uint32_t len = get32(head);
    if (len + 4 > MAX_FRAME) exit(3);
    read_all(fd, in_buf, len);
    uint32_t want = get32(in_buf + 1);
    if (want < HEADER || want > MAX_FRAME) exit(3);
    put32(reply, want - 4);
    reply[4] = 0x82;
    write_all(fd, reply, want);
  }
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of x[0..n-1]; sorts x. */
static double median(double *x, int n) {
  qsort(x, (size_t)n, sizeof *x, compare_doubles);
  return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static void loadavg(char *out, size_t n) {
  FILE *f = fopen("/proc/loadavg", "r");
  out[0] = 0;
  if (f) {
    if (!fgets(out, (int)n, f)) out[0] = 0;
    fclose(f);
    out[strcspn(out, "\n")] = 0;
  }
}

/* CPU seconds (user + system, all threads) of process pid so far, from /proc/PID/stat; -1 when
 * unreadable. */
static double cpu_seconds(long pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* Fields after the command name (which may hold spaces), from its closing parenthesis: state is
   * field 3, utime field 14, stime field 15. */
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds (user + system) of process pid's JIT compiler threads so far (the threads named
 * "C1 CompilerThre..." and "C2 CompilerThre..." in /proc/PID/task/TID/comm); -1 when unreadable. A
 * compiler thread that ends between two readings takes its time out of the sum, so the time without
 * them is then, if anything, overstated. */
static double compiler_seconds(long pid) {
  char path[96], buf[4096];
  snprintf(path, sizeof path, "/proc/%ld/task", pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  unsigned long long ticks = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/%ld/task/%.20s/comm", pid, e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    char comm[64] = "";
    if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
    fclose(f);
    if (strncmp(comm, "C1 CompilerThre", 15) != 0 && strncmp(comm, "C2 CompilerThre", 15) != 0)
      continue;
    snprintf(path, sizeof path, "/proc/%ld/task/%.20s/stat", pid, e->d_name);
    f = fopen(path, "r");
    if (!f) continue;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long long utime = 0, stime = 0;
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                    &stime) == 2)
      ticks += utime + stime;
  }
  closedir(d);
  return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

static void stats(const double *x, int n, double *mean, double *sd) {
  double s = 0, q = 0;
  for (int i = 0; i < n; i++) s += x[i];
  *mean = s / n;
  for (int i = 0; i < n; i++) q += (x[i] - *mean) * (x[i] - *mean);
  *sd = n > 1 ? sqrt(q / (n - 1)) : 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: wirebench HOST PORT VM [trials=10] [calls=20000]\n");
    return 1;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  const char *vm = argv[3];
  int trials = argc > 4 ? atoi(argv[4]) : 10;
  int calls = argc > 5 ? atoi(argv[5]) : 20000;
  if (trials < 1 || trials > 1000 || calls < 1) {
    fprintf(stderr, "wirebench: trials 1..1000, calls >= 1\n");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  /* The echo server, in a child process as serve is in another one. */
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) < 0
      || listen(listener, 1) < 0 || getsockname(listener, (struct sockaddr *)&a, &alen) < 0)
    die("echo listen");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) echo_server(listener);
  close(listener);
  int echo = connect_to("127.0.0.1", ntohs(a.sin_port));

  /* serve: HELLO, HELLO_OK. */
  int fd = connect_to(host, port);
  size_t vn = strlen(vm);
  if (vn < 1 || vn > 255) die("VM name length");
  put32(out_buf, (uint32_t)(9 + vn));
  out_buf[4] = 0x01;
  put32(out_buf + 5, 0x564D4244u);
  out_buf[9] = 0; out_buf[10] = 1;
  out_buf[11] = 0; out_buf[12] = (unsigned char)vn;
  memcpy(out_buf + 13, vm, vn);
  write_all(fd, out_buf, 13 + vn);
  read_frame(fd);
  if (in_buf[4] != 0x81) die("HELLO refused");

  /* The value the benchmark reads: 64 bytes, as figure 2. */
  static unsigned char reply[MAX_FRAME];
  const char *set =
      "info-set guestinfo.bench 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const char *get = "info-get guestinfo.bench";
  rpci(fd, set, reply);
  size_t got = rpci(fd, get, reply);
  if (got != 66 || memcmp(reply, "1 0123", 6) != 0) die("info-get reply");
  size_t out_len = HEADER + strlen(get), in_len = HEADER + got;

  /* The seven frames of the RPCI round trip: request size, response size. */
  size_t rpci_frames[7][2] = {{HEADER, HEADER}, {HEADER, HEADER}, {out_len, HEADER},
                              {HEADER, HEADER}, {HEADER, in_len}, {HEADER, HEADER},
                              {HEADER, HEADER}};
  int rpci_calls = calls / 7 > 0 ? calls / 7 : 1;

  char load_before[128], load_after[128];
  loadavg(load_before, sizeof load_before);
  double gv[1000], gvr[1000], rp[1000], rpr[1000], ratio_gv[1000], ratio_rp[1000];
  double medians_gv[1000], medians_rp[1000];
  double *med_gv = malloc(sizeof(double) * (size_t)calls);
  double *med_gvr = malloc(sizeof(double) * (size_t)calls);
  double *med_rp = malloc(sizeof(double) * (size_t)rpci_calls);
  double *med_rpr = malloc(sizeof(double) * (size_t)rpci_calls);
  if (!med_gv || !med_gvr || !med_rp || !med_rpr) die("memory");
  const char *serve_pid_text = getenv("WIREBENCH_SERVE_PID");
  long serve_pid = serve_pid_text ? atol(serve_pid_text) : 0;
  double serve_cpu0 = -1, echo_cpu0 = -1, jit_cpu0 = -1;
  /* Warm-up: one trial's worth of each, unmeasured (the server's JIT). */
  for (int w = 0; w <= trials; w++) {
    int t = w - 1;
    if (t == 0 && serve_pid > 0) {
      serve_cpu0 = cpu_seconds(serve_pid);
      jit_cpu0 = compiler_seconds(serve_pid);
      echo_cpu0 = cpu_seconds((long)child);
    }
    /* Serve and raw alternate call by call, so both see the same machine load. */
    double serve_gv = 0, raw_gv = 0, serve_rp = 0, raw_rp = 0;
    for (int c = 0; c < calls; c++) {
      uint32_t r[REGS] = {MAGIC, ~MAGIC, GETVERSION, LB_PORT, 0, 0, 0};
      double t0 = now_ns();
      call(fd, FRAME_IN, r, NULL, 0, NULL);
      double t1 = now_ns();
      raw(echo, HEADER, HEADER);
      double t2 = now_ns();
      if (r[1] != MAGIC) die("GETVERSION answer");
      serve_gv += t1 - t0;
      raw_gv += t2 - t1;
      if (t >= 0) { med_gv[c] = t1 - t0; med_gvr[c] = t2 - t1; }
    }
    for (int c = 0; c < rpci_calls; c++) {
      double t0 = now_ns();
      rpci(fd, get, reply);
      double t1 = now_ns();
      for (int f = 0; f < 7; f++) raw(echo, rpci_frames[f][0], rpci_frames[f][1]);
      double t2 = now_ns();
      serve_rp += t1 - t0;
      raw_rp += t2 - t1;
      if (t >= 0) { med_rp[c] = t1 - t0; med_rpr[c] = t2 - t1; }
    }
    if (t < 0) continue;
    gv[t] = serve_gv / calls / 1000;
    gvr[t] = raw_gv / calls / 1000;
    rp[t] = serve_rp / rpci_calls / 1000;
    rpr[t] = raw_rp / rpci_calls / 1000;
    ratio_gv[t] = gv[t] / gvr[t];
    ratio_rp[t] = rp[t] / rpr[t];
    double mg = median(med_gv, calls), mgr = median(med_gvr, calls);
    double mr = median(med_rp, rpci_calls), mrr = median(med_rpr, rpci_calls);
    printf("trial %d: GETVERSION mean %.2f us vs raw %.2f us (%.2fx), median %.2f vs %.2f us"
           " (%.2fx); RPCI mean %.2f us vs raw %.2f us (%.2fx), median %.2f vs %.2f us (%.2fx)\n",
           t + 1, gv[t], gvr[t], ratio_gv[t], mg / 1000, mgr / 1000, mg / mgr, rp[t], rpr[t],
           ratio_rp[t], mr / 1000, mrr / 1000, mr / mrr);
    medians_gv[t] = mg / mgr;
    medians_rp[t] = mr / mrr;
    fflush(stdout);
  }
  double serve_cpu1 = serve_pid > 0 ? cpu_seconds(serve_pid) : -1;
  double jit_cpu1 = serve_pid > 0 ? compiler_seconds(serve_pid) : -1;
  double echo_cpu1 = serve_pid > 0 ? cpu_seconds((long)child) : -1;
  loadavg(load_after, sizeof load_after);
  double m[8], s[8];
  stats(medians_gv, trials, &m[6], &s[6]);
  stats(medians_rp, trials, &m[7], &s[7]);
  stats(gv, trials, &m[0], &s[0]);
  stats(gvr, trials, &m[1], &s[1]);
  stats(ratio_gv, trials, &m[2], &s[2]);
  stats(rp, trials, &m[3], &s[3]);
  stats(rpr, trials, &m[4], &s[4]);
  stats(ratio_rp, trials, &m[5], &s[5]);
  printf("load average before: %s; after: %s\n", load_before, load_after);
  printf("%d trials of %d GETVERSION calls and %d RPCI round trips (mean +- sd over trials)\n",
         trials, calls, rpci_calls);
  printf("GETVERSION: serve %.2f +- %.2f us, raw %.2f +- %.2f us, ratio %.2f +- %.2f\n", m[0],
         s[0], m[1], s[1], m[2], s[2]);
  printf("RPCI (7 frames): serve %.2f +- %.2f us, raw %.2f +- %.2f us, ratio %.2f +- %.2f\n",
         m[3], s[3], m[4], s[4], m[5], s[5]);
  printf("ratio of medians per trial: GETVERSION %.2f +- %.2f, RPCI %.2f +- %.2f\n", m[6], s[6],
         m[7], s[7]);
  if (serve_cpu0 >= 0 && serve_cpu1 >= 0 && echo_cpu0 >= 0 && echo_cpu1 >= 0) {
    /* Each process answered one frame per GETVERSION and seven per RPCI round trip. */
    double frames = (double)trials * ((double)calls + 7.0 * rpci_calls);
    double serve_us = (serve_cpu1 - serve_cpu0) / frames * 1e6;
    double echo_us = (echo_cpu1 - echo_cpu0) / frames * 1e6;
    printf("CPU per frame (utime+stime / %.0f frames, clock tick %ld Hz): serve %.2f us"
           " (%.2f s), raw echo %.2f us (%.2f s), ratio %.2f\n",
           frames, sysconf(_SC_CLK_TCK), serve_us, serve_cpu1 - serve_cpu0, echo_us,
           echo_cpu1 - echo_cpu0, echo_us > 0 ? serve_us / echo_us : 0.0);
    if (jit_cpu0 >= 0 && jit_cpu1 >= 0) {
      /* The JIT's compiling is paid once, not per frame: serve's figure without it. */
      double jit = jit_cpu1 - jit_cpu0;
      double served_us = (serve_cpu1 - serve_cpu0 - jit) / frames * 1e6;
      printf("CPU per frame without serve's JIT compiler threads (%.2f s of the %.2f s): serve"
             " %.2f us, raw echo %.2f us, ratio %.2f\n",
             jit, serve_cpu1 - serve_cpu0, served_us, echo_us,
             echo_us > 0 ? served_us / echo_us : 0.0);
    }
  }
  close(fd);
  close(echo);
  waitpid(child, NULL, 0);
  return 0;
}
