/*
 * trapbench: the trap benchmark of docs/benchmarks.md (figure 9). Run under the trap:
 *
 *   java -jar vmbackdoor.jar guest --connect HOST:PORT -- trapbench HOST PORT VM [trials] [calls] [block]
 *
 * Each trial alternates, call by call (or `block` calls of one kind, then `block` of the other),
 * so that both see the same machine load:
 *   - a trapped GETVERSION: the real `in` instruction, trapped and answered by the simulator at
 *     HOST:PORT through the trap helper's wire connection;
 *   - an untrapped wire call: the same GETVERSION as one IN frame on this program's own wire
 *     connection to the same simulator (docs/wire-protocol.md), the cost the trap adds to.
 * It prints each trial's median and mean per call, then the mean and standard deviation over
 * trials of the medians and of the difference, with the load average before and after.
 *
 * Blocks matter where serve's I/O threads spin (--spin-before-park): the two connections are
 * served by two I/O threads, and call by call both would spin at once, beside the trap's own
 * polling, on a 2-vCPU machine; in blocks of 100 calls only the thread of the current block does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire-io.h"

#define MAGIC 0x564D5868u

static void die(const char *what) {
  fprintf(stderr, "trapbench: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
  exit(2);
}

static int connect_wire(const char *host, int port, const char *vm) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("address");
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  unsigned char hello[13 + 255];
  size_t n = strlen(vm);
  if (n < 1 || n > 255) die("VM name");
  put32(hello, (uint32_t)(9 + n));
  hello[4] = 0x01;
  put32(hello + 5, 0x564D4244u);
  hello[9] = 0;
  hello[10] = 1;
  hello[11] = 0;
  hello[12] = (unsigned char)n;
  memcpy(hello + 13, vm, n);
  write_all(fd, hello, 13 + n);
  unsigned char ok[11];
  read_all(fd, ok, 11);
  if (ok[4] != 0x81) die("HELLO refused");
  return fd;
}

/* GETVERSION as one IN frame on the program's own connection. */
static uint32_t wire_getversion(int fd, uint32_t seq) {
  unsigned char req[37], resp[37];
  uint32_t regs[7] = {MAGIC, ~MAGIC, 10, 0x5658, 0, 0, 0};
  put32(req, 33);
  req[4] = 0x02;
  put32(req + 5, seq);
  for (int i = 0; i < 7; i++) put32(req + 9 + 4 * i, regs[i]);
  write_all(fd, req, sizeof req);
  read_all(fd, resp, sizeof resp);
  if (resp[4] != 0x82 || get32(resp + 5) != seq) die("IN response");
  return get32(resp + 9);
}

/* GETVERSION as the real instruction: the trap answers it. */
static uint32_t trapped_getversion(void) {
  uint32_t eax = MAGIC, ebx = ~MAGIC, ecx = 10, edx = 0x5658;
  __asm__ volatile("inl %%dx, %%eax" : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx) : : "memory");
  return eax;
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *x, int n) {
  qsort(x, (size_t)n, sizeof *x, compare);
  return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

static double mean(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i];
  return s / n;
}

static double sd(const double *x, int n) {
  double m = mean(x, n), s = 0;
  for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  return n > 1 ? sqrt(s / (n - 1)) : 0;
}

static void loadavg(const char *when) {
  FILE *f = fopen("/proc/loadavg", "r");
  char line[128] = "?";
  if (f != NULL) {
    if (fgets(line, sizeof line, f) == NULL) strcpy(line, "?\n");
    fclose(f);
  }
  printf("load average %s: %s", when, line);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: trapbench HOST PORT VM [trials] [calls] [block]\n");
    return 2;
  }
  int trials = argc > 4 ? atoi(argv[4]) : 10;
  int calls = argc > 5 ? atoi(argv[5]) : 20000;
  int block = argc > 6 ? atoi(argv[6]) : 1;
  if (trials < 1 || calls < 1 || block < 1) die("trials, calls and block must be positive");
  int fd = connect_wire(argv[1], atoi(argv[2]), argv[3]);
  double *trap = malloc(sizeof(double) * (size_t)calls);
  double *wire = malloc(sizeof(double) * (size_t)calls);
  double *trap_medians = malloc(sizeof(double) * (size_t)trials);
  double *wire_medians = malloc(sizeof(double) * (size_t)trials);
  double *added = malloc(sizeof(double) * (size_t)trials);
  if (!trap || !wire || !trap_medians || !wire_medians || !added) die("memory");
  uint32_t seq = 0;
  /* warm-up: the first calls open the trap's connection and warm the server */
  for (int i = 0; i < 2000; i++) {
    if (trapped_getversion() != 6 || wire_getversion(fd, ++seq) != 6) die("GETVERSION");
  }
  loadavg("before");
  printf("%d trials of %d calls each, alternating every %d\n", trials, calls, block);
  for (int t = 0; t < trials; t++) {
    for (int from = 0; from < calls; from += block) {
      int to = from + block < calls ? from + block : calls;
      for (int i = from; i < to; i++) {
        double t0 = now_us();
        uint32_t a = trapped_getversion();
        trap[i] = now_us() - t0;
        if (a != 6) die("GETVERSION");
      }
      for (int i = from; i < to; i++) {
        double t1 = now_us();
        uint32_t b = wire_getversion(fd, ++seq);
        wire[i] = now_us() - t1;
        if (b != 6) die("GETVERSION");
      }
    }
    double tm = mean(trap, calls), wm = mean(wire, calls);
    trap_medians[t] = median(trap, calls);
    wire_medians[t] = median(wire, calls);
    added[t] = trap_medians[t] - wire_medians[t];
    printf("trial %d: trapped median %.1f us mean %.1f us; untrapped wire median %.1f us mean %.1f us\n",
           t + 1, trap_medians[t], tm, wire_medians[t], wm);
  }
  loadavg("after");
  printf("trapped call (in through the trap):  median %.1f us (sd %.1f over trials)\n",
         mean(trap_medians, trials), sd(trap_medians, trials));
  printf("untrapped wire call (same frames):   median %.1f us (sd %.1f over trials)\n",
         mean(wire_medians, trials), sd(wire_medians, trials));
  printf("added by the trap:                   median %.1f us (sd %.1f over trials)\n",
         mean(added, trials), sd(added, trials));
  close(fd);
  return 0;
}
