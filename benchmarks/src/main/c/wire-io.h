/*
 * wire-io.h: the byte-level helpers the C benchmark clients share (wirebench.c, trapbench.c):
 * big-endian 32-bit values as docs/wire-protocol.md §3 writes them, and whole reads and writes
 * that end the program through the includer's die() when the connection ends early.
 */
#ifndef VMBACKDOOR_WIRE_IO_H
#define VMBACKDOOR_WIRE_IO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

static void die(const char *what); /* defined by the includer */

static void put32(unsigned char *p, uint32_t v) {
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("write");
    p += w; n -= (size_t)w;
  }
}

static void read_all(int fd, unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die("read");
    p += r; n -= (size_t)r;
  }
}

#endif
