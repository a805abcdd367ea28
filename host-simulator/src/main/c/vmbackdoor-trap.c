/*
 * vmbackdoor-trap: runs an unmodified Linux x86-64 program and answers its VMware backdoor
 * instructions from a vmbackdoor simulator, over the wire protocol of docs/wire-protocol.md.
 *
 *   vmbackdoor-trap --connect HOST:PORT [--vm NAME] [--scratch DIR] [--writable DIR]...
 *                   [--cpuid auto|off] [--spin-before-park NANOS] [--shm auto|off] [--stats]
 *                   -- PROGRAM [ARGS...]
 *   vmbackdoor-trap --probe
 *
 * The program runs under ptrace. In user mode without I/O permission, `in` and `rep insb/outsb`
 * raise a general-protection fault, delivered as SIGSEGV with si_code SI_KERNEL; the tracer sees
 * it before the program does, emulates the instruction against the simulator (one wire
 * connection per traced process, opened at its first trapped call), writes the registers back,
 * moves RIP past the instruction and resumes the program with no signal. Every other signal
 * passes through unchanged. Where the CPU offers CPUID faulting, CPUID is trapped the same way
 * and answered with the machine's own values but for the hypervisor leaves (VMwareVMware).
 *
 * Waiting for the simulator's answer: by default the tracer sleeps in read(2) until it comes.
 * With --spin-before-park NANOS it first polls the connection without blocking for up to NANOS
 * (yielding the CPU between polls, so that a simulator woken on this CPU runs at once), and only
 * then sleeps: an answer that comes within the spin needs no wake-up of the tracer, for a CPU kept
 * busy while the program waits (docs/real-guests.md, docs/benchmarks.md §9).
 *
 * The shared region (--shm auto, the default): where the simulator is on this machine (a loopback
 * address), the helper offers it a region in /dev/shm (mode 0600) after HELLO; a simulator that
 * maps it answers the calls there, polled by a thread of its own, and the socket carries only the
 * doorbells that wake a side that sleeps (docs/wire-protocol.md §12). The region's file is removed
 * as soon as the simulator has answered the offer. Refused, or impossible here: one line, and the
 * calls go over the socket as before. --shm off never offers one.
 *
 * Safety (docs/real-guests.md): the program runs in a private mount namespace where every file
 * system is read-only but DIR of --scratch (a private tmpfs) and --writable directories, with
 * an empty /run; a seccomp filter refuses what halts, reboots or re-clocks the machine, makes
 * socket(AF_VSOCK) fail, and hands every execve to the tracer, which refuses the programs that
 * power the machine off or set its clock.
 *
 * Exit status: the program's, or 128 + N when signal N ended it; 125 when the trap could not run
 * (one line on stderr says why), 126 or 127 when the program could not be executed or found.
 * libc only; built with `cc -O2`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(__x86_64__) || !defined(__linux__)
#error "vmbackdoor-trap runs on Linux x86-64 only"
#endif

#define EXIT_TRAP 125
#define EXIT_NOEXEC 126
#define EXIT_NOTFOUND 127

/* The backdoor's ports (open-vm-tools lib/include/backdoor_def.h). */
#define COMMAND_PORT 0x5658u
#define HB_PORT 0x5659u

/* The wire protocol's frames (docs/wire-protocol.md §4). */
#define WIRE_MAGIC 0x564D4244u
#define WIRE_VERSION 1u
#define FRAME_HELLO 0x01
#define FRAME_HELLO_OK 0x81
#define FRAME_IN 0x02
#define FRAME_OUTS 0x03
#define FRAME_INS 0x04
#define FRAME_SHM_OFFER 0x05
#define FRAME_DOORBELL 0x06
#define FRAME_SHM_OK 0x85
#define FRAME_SERVER_DOORBELL 0x86
#define FRAME_SHM_REFUSED 0x87
#define FRAME_ERROR 0xFF
#define WIRE_MAX_FRAME 69665u
#define REGS 7

#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID 0x1012
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define ATTR_RDONLY 0x00000001ULL

struct mount_attr_v0 {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static char shm_path[96]; /* the region being offered, removed at the answer or by fail() */
static int shm_pending;   /* shm_path exists */

static void fail(const char *fmt, ...) {
  if (shm_pending) unlink(shm_path);
  va_list ap;
  va_start(ap, fmt);
  fputs("vmbackdoor-trap: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(EXIT_TRAP);
}

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                     */

static const char *opt_host;
static const char *opt_port;
static const char *opt_vm = "vm1";
static const char *opt_scratch;
static const char *opt_writable[16];
static int opt_writable_count;
static int opt_cpuid_auto = 1;
static int opt_stats;
static long long opt_spin_nanos; /* --spin-before-park: how long to poll for an answer */
static int opt_shm = 1;          /* --shm auto: offer a shared region to a simulator on loopback */

/* ------------------------------------------------------------------------------------------ */
/* The wire connection of one traced process                                                   */

struct wire {
  int fd;
  uint32_t seq;
  uint32_t max_transfer;
  unsigned char *shm; /* the shared region the calls go through, or NULL: over the socket */
};

/*
 * The shared region (docs/wire-protocol.md §12): a header of 32-bit words in the machine's byte
 * order, then one frame exactly as on the wire (length prefix first). The helper writes a request
 * frame and sets the state to REQUEST; the simulator's poller writes the response over it and sets
 * ANSWER. A side about to sleep sets its flag and reads the state again before it sleeps; the
 * other side, after setting the state, reads the flag and rings the doorbell on the socket.
 */
#define SHM_MAGIC 0x53424D56u /* "VMBS" */
#define SHM_VERSION 1u
#define SHM_HEADER 64
#define SHM_SIZE ((SHM_HEADER + 4 + WIRE_MAX_FRAME + 4095) / 4096 * 4096)
#define SHM_MAGIC_AT 0
#define SHM_VERSION_AT 4
#define SHM_STATE_AT 8
#define SHM_SERVER_SLEEPS_AT 12
#define SHM_CLIENT_SLEEPS_AT 16
#define SHM_EMPTY 0u
#define SHM_REQUEST 1u
#define SHM_ANSWER 2u
#define SHM_DEFAULT_SPIN 50000LL /* ns the helper polls the region when --spin-before-park is 0 */

static uint32_t *shm_word(unsigned char *shm, int at) { return (uint32_t *)(void *)(shm + at); }

static unsigned char frame_out[4 + WIRE_MAX_FRAME];
static unsigned char frame_in[4 + WIRE_MAX_FRAME];

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static unsigned long count_polled, count_parked;

/* The time for the spin; tests give their own. */
static long long monotonic_nanos(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}
static long long (*spin_clock)(void) = monotonic_nanos;

/*
 * Some bytes of the simulator's answer into p (at most n): polls without blocking for up to
 * spin nanoseconds, yielding the CPU between polls, then blocks. Returns what read(2) returns.
 */
static ssize_t read_answer_spinning(int fd, unsigned char *p, size_t n, long long spin) {
  if (spin > 0) {
    long long end = spin_clock() + spin;
    do {
      ssize_t r = recv(fd, p, n, MSG_DONTWAIT);
      if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        if (r > 0) count_polled++;
        return r;
      }
      sched_yield();
    } while (spin_clock() < end);
  }
  count_parked++;
  ssize_t r;
  do {
    r = read(fd, p, n);
  } while (r < 0 && errno == EINTR);
  return r;
}


/*
 * Reads one frame into frame_in, in as few reads as it takes: `expect` is the whole frame's size
 * as the call expects it (a frame of another size is read whole all the same, and is an error of
 * the caller's checks). Returns its length field, or ends the run.
 */
static uint32_t read_frame_spinning(int fd, size_t expect, long long spin, int error_ends_run) {
  size_t have = 0, want = expect < 4 ? 4 : expect;
  uint32_t length;
  for (;;) {
    ssize_t r = read_answer_spinning(fd, frame_in + have, want - have, spin);
    if (r <= 0) fail("the simulator closed the connection");
    have += (size_t)r;
    if (have < 4) continue;
    length = get32(frame_in);
    if (length < 1 || length > WIRE_MAX_FRAME) fail("the simulator sent a frame of %u bytes", length);
    if (have >= 4 + (size_t)length) break; /* more only where it is not the frame expected */
    want = 4 + (size_t)length;
  }
  if (error_ends_run && frame_in[4] == FRAME_ERROR && length >= 3) {
    fail("simulator error %u: %.*s", (unsigned)(frame_in[5] << 8 | frame_in[6]), (int)(length - 3),
         (const char *)frame_in + 7);
  }
  return length;
}

static uint32_t read_frame(int fd, size_t expect) {
  return read_frame_spinning(fd, expect, opt_spin_nanos, 1);
}

static struct wire wire_connect(void) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(opt_host, opt_port, &hints, &res);
  if (rc != 0) fail("cannot resolve %s: %s", opt_host, gai_strerror(rc));
  int fd = -1;
  for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) fail("cannot connect to the simulator at %s:%s: %s", opt_host, opt_port, strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  size_t n = strlen(opt_vm);
  put32(frame_out, (uint32_t)(9 + n));
  frame_out[4] = FRAME_HELLO;
  put32(frame_out + 5, WIRE_MAGIC);
  frame_out[9] = 0;
  frame_out[10] = WIRE_VERSION;
  frame_out[11] = (unsigned char)(n >> 8);
  frame_out[12] = (unsigned char)n;
  memcpy(frame_out + 13, opt_vm, n);
  if (write_all(fd, frame_out, 13 + n) < 0) fail("cannot write to the simulator: %s", strerror(errno));
  uint32_t length = read_frame(fd, 11);
  if (frame_in[4] != FRAME_HELLO_OK || length != 7) fail("the simulator did not answer HELLO");
  struct wire w = {fd, 0, get32(frame_in + 7), NULL};
  return w;
}

/* Whether the socket's peer is this machine (a loopback address). */
static int peer_is_local(int fd) {
  struct sockaddr_storage a;
  socklen_t n = sizeof a;
  if (getpeername(fd, (struct sockaddr *)&a, &n) < 0) return 0;
  if (a.ss_family == AF_INET) {
    return (ntohl(((struct sockaddr_in *)&a)->sin_addr.s_addr) >> 24) == 127;
  }
  if (a.ss_family == AF_INET6) {
    const struct in6_addr *x = &((struct sockaddr_in6 *)&a)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(x)) return 1;
    return IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127;
  }
  return 0;
}

static int shm_said; /* the one line about shared memory not used was printed */

static void shm_not_used(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line, once per run: why calls go over the socket and not through a shared region. */
static void shm_not_used(const char *fmt, ...) {
  if (shm_said) return;
  shm_said = 1;
  va_list ap;
  va_start(ap, fmt);
  fputs("vmbackdoor-trap: no shared memory with the simulator (", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("); calls go over TCP\n", stderr);
  va_end(ap);
}

/* A new region, mode 0600, in /dev/shm, its header written; NULL (and why, once) if none. */
static unsigned char *shm_create(void) {
  static unsigned counter;
  snprintf(shm_path, sizeof shm_path, "/dev/shm/vmbackdoor-%d-%u-%llx", (int)getpid(), ++counter,
           (unsigned long long)monotonic_nanos());
  int fd = open(shm_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  shm_pending = fd >= 0;
  if (fd < 0) {
    shm_not_used("cannot create %s: %s", shm_path, strerror(errno));
    return NULL;
  }
  unsigned char *map = MAP_FAILED;
  if (fchmod(fd, 0600) == 0 && ftruncate(fd, SHM_SIZE) == 0) {
    map = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  int e = errno;
  close(fd);
  if (map == MAP_FAILED) {
    unlink(shm_path);
    shm_pending = 0;
    shm_not_used("cannot map %s: %s", shm_path, strerror(e));
    return NULL;
  }
  *shm_word(map, SHM_MAGIC_AT) = SHM_MAGIC;
  *shm_word(map, SHM_VERSION_AT) = SHM_VERSION;
  __atomic_store_n(shm_word(map, SHM_STATE_AT), SHM_EMPTY, __ATOMIC_SEQ_CST);
  return map;
}

/*
 * Offers a new region to the simulator on w's connection: on SHM_OK the calls go through it; on
 * SHM_REFUSED they stay on the socket (one line says why). The file is removed either way: both
 * sides have it mapped, and nothing is left behind however the run ends. Returns 0, or -1 when
 * the simulator answered with an ERROR (one that does not know the offer): it closed the
 * connection.
 */
static int shm_offer(struct wire *w) {
  unsigned char *map = shm_create();
  if (map == NULL) return 0;
  size_t n = strlen(shm_path);
  put32(frame_out, (uint32_t)(7 + n));
  frame_out[4] = FRAME_SHM_OFFER;
  put32(frame_out + 5, SHM_SIZE);
  frame_out[9] = (unsigned char)(n >> 8);
  frame_out[10] = (unsigned char)n;
  memcpy(frame_out + 11, shm_path, n);
  if (write_all(w->fd, frame_out, 11 + n) < 0) fail("cannot write to the simulator: %s", strerror(errno));
  uint32_t length = read_frame_spinning(w->fd, 5, 0, 0);
  unlink(shm_path);
  shm_pending = 0;
  if (frame_in[4] == FRAME_SHM_OK && length == 1) {
    w->shm = map;
    return 0;
  }
  munmap(map, SHM_SIZE);
  if (frame_in[4] == FRAME_SHM_REFUSED) {
    shm_not_used("the simulator refused it: %.*s", (int)(length - 1), (const char *)frame_in + 5);
    return 0;
  }
  if (frame_in[4] == FRAME_ERROR && length >= 3) {
    shm_not_used("the simulator does not take it: error %u: %.*s",
                 (unsigned)(frame_in[5] << 8 | frame_in[6]), (int)(length - 3),
                 (const char *)frame_in + 7);
    return -1;
  }
  fail("the simulator answered SHM_OFFER with frame type 0x%02x", frame_in[4]);
}

/* A connection to the simulator: through a shared region where it is on this machine. */
static struct wire wire_open(void) {
  struct wire w = wire_connect();
  if (opt_shm && peer_is_local(w.fd) && shm_offer(&w) < 0) {
    close(w.fd);
    w = wire_connect();
  }
  return w;
}

/* Rings the simulator's doorbell: a call waits in the region and its poller sleeps. */
static void shm_ring(int fd) {
  static const unsigned char doorbell[5] = {0, 0, 0, 1, FRAME_DOORBELL};
  if (write_all(fd, doorbell, sizeof doorbell) < 0) fail("cannot write to the simulator: %s", strerror(errno));
}

/* Puts the request frame (already in the region) in the simulator's hands. */
static void shm_post(struct wire *w) {
  __atomic_store_n(shm_word(w->shm, SHM_STATE_AT), SHM_REQUEST, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(shm_word(w->shm, SHM_SERVER_SLEEPS_AT), __ATOMIC_SEQ_CST) != 0) shm_ring(w->fd);
}

/*
 * Waits until the answer is in the region: polls it for up to --spin-before-park (50 us when 0),
 * yielding the CPU now and then, then sleeps on the socket until the doorbell, having said so in
 * the region and looked once more. An ERROR or the end of the connection ends the run.
 */
static void shm_wait(struct wire *w) {
  uint32_t *state = shm_word(w->shm, SHM_STATE_AT);
  uint32_t *sleeps = shm_word(w->shm, SHM_CLIENT_SLEEPS_AT);
  long long spin = opt_spin_nanos > 0 ? opt_spin_nanos : SHM_DEFAULT_SPIN;
  long long end = spin_clock() + spin;
  unsigned polls = 0;
  for (;;) {
    if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == SHM_ANSWER) {
      count_polled++;
      return;
    }
    if (spin_clock() >= end) break;
    if (++polls % 64 == 0) sched_yield();
    else __builtin_ia32_pause();
  }
  count_parked++;
  for (;;) {
    __atomic_store_n(sleeps, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(state, __ATOMIC_SEQ_CST) == SHM_ANSWER) break;
    unsigned long parked = count_parked;
    uint32_t length = read_frame_spinning(w->fd, 5, 0, 1);
    count_parked = parked;
    if (frame_in[4] != FRAME_SERVER_DOORBELL || length != 1) {
      fail("the simulator sent frame type 0x%02x while a call waited in the shared region", frame_in[4]);
    }
  }
  __atomic_store_n(sleeps, 0, __ATOMIC_SEQ_CST);
}

/*
 * One backdoor call: regs (eax..ebp) out and back; for OUTS `bytes` (k of them) travel with the
 * request, for INS k bytes come back into `bytes`.
 */
/* The request frame of a call, length prefix first, into out; returns its size. One codec for
   the socket and the shared region. */
static size_t encode_call(unsigned char *out, int type, uint32_t seq, const uint32_t regs[REGS],
                          const unsigned char *bytes, uint32_t k) {
  size_t total = 37 + (type == FRAME_OUTS ? k : 0);
  put32(out, (uint32_t)(total - 4));
  out[4] = (unsigned char)type;
  put32(out + 5, seq);
  for (int i = 0; i < REGS; i++) put32(out + 9 + 4 * i, regs[i]);
  if (type == FRAME_OUTS) memcpy(out + 37, bytes, k);
  return total;
}

static void wire_call(struct wire *w, int type, uint32_t regs[REGS], unsigned char *bytes, uint32_t k) {
  uint32_t want = 33 + (type == FRAME_INS ? k : 0);
  uint32_t length;
  if (w->shm != NULL) {
    unsigned char *frame = w->shm + SHM_HEADER;
    encode_call(frame, type, ++w->seq, regs, bytes, k);
    shm_post(w);
    shm_wait(w);
    length = get32(frame);
    if (length != want) fail("the simulator answered call %u with a frame of %u bytes", w->seq, length);
    memcpy(frame_in, frame, 4 + (size_t)length);
  } else {
    size_t total = encode_call(frame_out, type, ++w->seq, regs, bytes, k);
    if (write_all(w->fd, frame_out, total) < 0) fail("cannot write to the simulator: %s", strerror(errno));
    length = read_frame(w->fd, 4 + (size_t)want);
  }
  if (frame_in[4] != (type | 0x80) || length != want || get32(frame_in + 5) != w->seq) {
    fail("the simulator answered call %u with an unexpected frame", w->seq);
  }
  for (int i = 0; i < REGS; i++) regs[i] = get32(frame_in + 9 + 4 * i);
  if (type == FRAME_INS) memcpy(bytes, frame_in + 37, k);
}

/* ------------------------------------------------------------------------------------------ */
/* Instruction decoding                                                                        */

enum insn_kind { INSN_OTHER, INSN_IN, INSN_INS, INSN_OUTS, INSN_CPUID };

struct insn {
  enum insn_kind kind;
  int length;    /* bytes, prefixes included */
  int width;     /* of `in`: 1 (al), 2 (ax) or 4 (eax) */
  int rep;       /* F3 seen */
  int addr32;    /* 67 seen: ECX, ESI, EDI instead of RCX, RSI, RDI */
};

/*
 * Decodes the instruction at b[0..n): `in al,dx` (EC), `in eax,dx` (ED; 66 ED is `in ax,dx`),
 * `rep insb` (F3 6C), `rep outsb` (F3 6E) and `cpuid` (0F A2), after any legacy prefixes
 * (operand size 66, address size 67, rep F3, repne F2, lock F0, segment overrides) and one REX
 * prefix (40-4F, which must come last). Anything else is INSN_OTHER.
 */
static struct insn decode(const unsigned char *b, int n) {
  struct insn d = {INSN_OTHER, 0, 4, 0, 0};
  int i = 0;
  int opsize16 = 0;
  for (; i < n && i < 14; i++) {
    unsigned char p = b[i];
    if (p == 0x66) opsize16 = 1;
    else if (p == 0x67) d.addr32 = 1;
    else if (p == 0xF3) d.rep = 1;
    else if (p == 0xF2 || p == 0xF0 || p == 0x2E || p == 0x36 || p == 0x3E || p == 0x26 ||
             p == 0x64 || p == 0x65) continue;
    else break;
  }
  if (i < n && (b[i] & 0xF0) == 0x40) i++; /* REX: no effect on these instructions */
  if (i >= n) return d;
  unsigned char op = b[i];
  if (op == 0xEC) {
    d.kind = INSN_IN;
    d.width = 1;
  } else if (op == 0xED) {
    d.kind = INSN_IN;
    d.width = opsize16 ? 2 : 4;
  } else if (op == 0x6C && d.rep) {
    d.kind = INSN_INS;
  } else if (op == 0x6E && d.rep) {
    d.kind = INSN_OUTS;
  } else if (op == 0x0F && i + 1 < n && b[i + 1] == 0xA2) {
    d.kind = INSN_CPUID;
    i++;
  } else {
    return d;
  }
  d.length = i + 1;
  return d;
}

/* ------------------------------------------------------------------------------------------ */
/* Tracees                                                                                     */

struct proc {          /* one traced process (thread group) */
  pid_t tgid;
  int threads;         /* tracees of this group still alive */
  int connected;
  struct wire wire;
  struct proc *next;
};

struct thread {        /* one traced thread */
  pid_t tid;
  struct proc *proc;
  int started;         /* its first stop (the SIGSTOP of attachment) was seen */
  struct thread *next;
};

static struct proc *procs;
static struct thread *threads;
static pid_t root_pid;
static int cpuid_faulting;
static volatile sig_atomic_t signal_target; /* the program while it runs, else 0 */

static unsigned long count_in, count_outs, count_ins, count_cpuid, count_refused_exec;
static double trap_nanos;

static struct proc *proc_of(pid_t tgid) {
  for (struct proc *p = procs; p != NULL; p = p->next) {
    if (p->tgid == tgid) return p;
  }
  struct proc *p = calloc(1, sizeof *p);
  if (p == NULL) fail("out of memory");
  p->tgid = tgid;
  p->next = procs;
  procs = p;
  return p;
}

static void proc_disconnect(struct proc *p) {
  if (p->connected) {
    if (p->wire.shm != NULL) munmap(p->wire.shm, SHM_SIZE);
    close(p->wire.fd);
    p->connected = 0;
  }
}

static void proc_release(struct proc *p) {
  if (--p->threads > 0) return;
  proc_disconnect(p);
  for (struct proc **q = &procs; *q != NULL; q = &(*q)->next) {
    if (*q == p) {
      *q = p->next;
      free(p);
      return;
    }
  }
}

static pid_t tgid_of(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", tid);
  FILE *f = fopen(path, "re");
  pid_t tgid = tid;
  if (f == NULL) return tid;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "Tgid:", 5) == 0) {
      tgid = (pid_t)strtol(line + 5, NULL, 10);
      break;
    }
  }
  fclose(f);
  return tgid;
}

static struct thread *thread_find(pid_t tid) {
  for (struct thread *t = threads; t != NULL; t = t->next) {
    if (t->tid == tid) return t;
  }
  return NULL;
}

static struct thread *thread_add(pid_t tid, int started) {
  struct thread *t = calloc(1, sizeof *t);
  if (t == NULL) fail("out of memory");
  t->tid = tid;
  t->started = started;
  t->proc = proc_of(tgid_of(tid));
  t->proc->threads++;
  t->next = threads;
  threads = t;
  return t;
}

static void thread_remove(pid_t tid) {
  for (struct thread **q = &threads; *q != NULL; q = &(*q)->next) {
    if ((*q)->tid == tid) {
      struct thread *t = *q;
      *q = t->next;
      proc_release(t->proc);
      free(t);
      return;
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Tracee memory                                                                               */

static int mem_read(pid_t tid, uint64_t addr, void *into, size_t n) {
  struct iovec local = {into, n}, remote = {(void *)addr, n};
  ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  return got == (ssize_t)n ? 0 : -1;
}

static int mem_write(pid_t tid, uint64_t addr, const void *from, size_t n) {
  struct iovec local = {(void *)from, n}, remote = {(void *)addr, n};
  ssize_t got = process_vm_writev(tid, &local, 1, &remote, 1, 0);
  return got == (ssize_t)n ? 0 : -1;
}

/* Up to 15 instruction bytes at addr, fewer where the mapping ends; returns how many. */
static int read_code(pid_t tid, uint64_t addr, unsigned char *b) {
  /* one system call where the 15 bytes lie in one page, as they nearly always do */
  if ((addr & 4095) <= 4096 - 15 && mem_read(tid, addr, b, 15) == 0) return 15;
  int n = 0;
  while (n < 15) {
    errno = 0;
    long word = ptrace(PTRACE_PEEKTEXT, tid, (void *)(addr + (uint64_t)n), NULL);
    if (errno != 0) break;
    int take = 15 - n < 8 ? 15 - n : 8;
    memcpy(b + n, &word, (size_t)take);
    n += take;
  }
  return n;
}

/* A NUL-terminated string of the tracee, at most size - 1 bytes; -1 when unreadable. */
static int read_string(pid_t tid, uint64_t addr, char *into, size_t size) {
  size_t n = 0;
  while (n + 1 < size) {
    size_t chunk = 4096 - ((addr + n) & 4095);
    if (chunk > size - 1 - n) chunk = size - 1 - n;
    if (mem_read(tid, addr + n, into + n, chunk) < 0) return -1;
    void *nul = memchr(into + n, 0, chunk);
    if (nul != NULL) return 0;
    n += chunk;
  }
  into[size - 1] = 0;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Emulation                                                                                   */

static unsigned long long *reg_slot(struct user_regs_struct *r, int i) {
  switch (i) {
    case 0: return &r->rax;
    case 1: return &r->rbx;
    case 2: return &r->rcx;
    case 3: return &r->rdx;
    case 4: return &r->rsi;
    case 5: return &r->rdi;
    default: return &r->rbp;
  }
}

/*
 * The host's answer into the tracee's registers: a register the host left as it was keeps its
 * full 64 bits; one it changed gets the 32-bit value, zero-extended, as a 32-bit write does.
 */
static void write_back(struct user_regs_struct *r, const uint32_t sent[REGS], const uint32_t got[REGS]) {
  for (int i = 0; i < REGS; i++) {
    if (got[i] != sent[i]) *reg_slot(r, i) = got[i];
  }
}

static struct proc *connected(struct thread *t) {
  struct proc *p = t->proc;
  if (!p->connected) {
    p->wire = wire_open();
    p->connected = 1;
  }
  return p;
}

static unsigned char transfer[WIRE_MAX_FRAME];

/* Emulates a port instruction; returns 0, or -1 when it is not the backdoor's. */
static int emulate_port(struct thread *t, struct user_regs_struct *r, struct insn d) {
  uint16_t port = (uint16_t)r->rdx;
  if (port != COMMAND_PORT && port != HB_PORT) return -1;
  if (d.kind != INSN_IN && (r->eflags & 0x400)) return -1; /* DF set: not the backdoor's */
  uint32_t sent[REGS], regs[REGS];
  for (int i = 0; i < REGS; i++) sent[i] = regs[i] = (uint32_t)*reg_slot(r, i);
  struct proc *p = connected(t);
  if (d.kind == INSN_IN) {
    wire_call(&p->wire, FRAME_IN, regs, NULL, 0);
    uint64_t rax = r->rax;
    write_back(r, sent, regs);
    if (d.width == 1) r->rax = (rax & ~0xFFull) | (regs[0] & 0xFF);
    else if (d.width == 2) r->rax = (rax & ~0xFFFFull) | (regs[0] & 0xFFFF);
    else r->rax = regs[0];
    count_in++;
    return 0;
  }
  uint64_t mask = d.addr32 ? 0xFFFFFFFFull : ~0ull;
  uint64_t k = r->rcx & mask;
  if (k > p->wire.max_transfer) {
    fail("process %d moves %llu bytes in one rep %s, more than the simulator's %u", t->tid,
         (unsigned long long)k, d.kind == INSN_OUTS ? "outsb" : "insb", p->wire.max_transfer);
  }
  if (d.kind == INSN_OUTS) {
    uint64_t at = r->rsi & mask;
    if (mem_read(t->tid, at, transfer, (size_t)k) < 0) return -1;
    wire_call(&p->wire, FRAME_OUTS, regs, transfer, (uint32_t)k);
    write_back(r, sent, regs);
    r->rsi = (at + k) & mask;
    count_outs++;
  } else {
    uint64_t at = r->rdi & mask;
    wire_call(&p->wire, FRAME_INS, regs, transfer, (uint32_t)k);
    if (mem_write(t->tid, at, transfer, (size_t)k) < 0) return -1;
    write_back(r, sent, regs);
    r->rdi = (at + k) & mask;
    count_ins++;
  }
  r->rcx = 0;
  return 0;
}

/*
 * CPUID as the program would see it in a VMware VM: the machine's own values, with the
 * hypervisor bit (leaf 1, ecx bit 31) set and the hypervisor leaves saying VMwareVMware with no
 * VMCALL/VMMCALL backdoor (leaf 0x40000010 ecx bits 0 and 1 clear; open-vm-tools
 * lib/include/x86cpuid.h, lib/backdoor/backdoor.c).
 */
static void emulate_cpuid(struct user_regs_struct *r) {
  uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
  uint32_t a = 0, b = 0, c = 0, d = 0;
  if (leaf >= 0x40000000u && leaf <= 0x400000FFu) {
    if (leaf == 0x40000000u) {
      a = 0x40000010u;
      memcpy(&b, "VMwa", 4);
      memcpy(&c, "reVM", 4);
      memcpy(&d, "ware", 4);
    }
  } else {
    __cpuid_count(leaf, sub, a, b, c, d);
    if (leaf == 1) c |= 1u << 31;
  }
  r->rax = a;
  r->rbx = b;
  r->rcx = c;
  r->rdx = d;
  count_cpuid++;
}

/* Arms CPUID faulting in the tracee's new program image, by a syscall made at its exec stop. */
static void arm_cpuid_faulting(pid_t tid) {
  struct user_regs_struct saved, r;
  if (ptrace(PTRACE_GETREGS, tid, NULL, &saved) < 0) fail("cannot read registers of %d", tid);
  errno = 0;
  long code = ptrace(PTRACE_PEEKTEXT, tid, (void *)saved.rip, NULL);
  if (errno != 0) fail("cannot read code of %d", tid);
  long patched = (code & ~0xFFFFL) | 0x050F; /* syscall: 0F 05 */
  if (ptrace(PTRACE_POKETEXT, tid, (void *)saved.rip, (void *)patched) < 0) fail("cannot patch %d", tid);
  r = saved;
  r.rax = SYS_arch_prctl;
  r.orig_rax = (uint64_t)-1;
  r.rdi = ARCH_SET_CPUID;
  r.rsi = 0;
  ptrace(PTRACE_SETREGS, tid, NULL, &r);
  int status;
  if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) < 0) fail("cannot step %d", tid);
  if (waitpid(tid, &status, __WALL) < 0 || !WIFSTOPPED(status)) fail("lost %d while arming CPUID faulting", tid);
  ptrace(PTRACE_GETREGS, tid, NULL, &r);
  ptrace(PTRACE_POKETEXT, tid, (void *)saved.rip, (void *)code);
  ptrace(PTRACE_SETREGS, tid, NULL, &saved);
  if (r.rax != 0) fail("arch_prctl(ARCH_SET_CPUID) failed in %d: %s", tid, strerror((int)-r.rax));
}

/* A SIGSEGV stop: emulates a backdoor instruction; returns 1 when handled. */
static int handle_segv(struct thread *t) {
  siginfo_t si;
  if (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) < 0 || si.si_code != SI_KERNEL) return 0;
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, t->tid, NULL, &r) < 0) return 0;
  unsigned char code[15];
  int n = read_code(t->tid, r.rip, code);
  struct insn d = decode(code, n);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (d.kind == INSN_CPUID && cpuid_faulting) {
    emulate_cpuid(&r);
  } else if (d.kind == INSN_IN || d.kind == INSN_INS || d.kind == INSN_OUTS) {
    if (emulate_port(t, &r, d) < 0) return 0;
  } else {
    return 0;
  }
  r.rip += (uint64_t)d.length;
  if (ptrace(PTRACE_SETREGS, t->tid, NULL, &r) < 0) return 0;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  trap_nanos += (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Exec refusals                                                                               */

/* Programs that power the machine off, reboot it or set its clock: never run under the trap. */
static const char *const REFUSED_PROGRAMS[] = {
    "halt", "poweroff", "reboot", "shutdown", "systemctl", "telinit", "init", "kexec",
    "hwclock", "timedatectl", "loginctl", "rtcwake", "ntpdate", "chronyc", "busctl",
    "dbus-send", "gdbus", NULL};

static int refused_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base == NULL ? path : base + 1;
  for (int i = 0; REFUSED_PROGRAMS[i] != NULL; i++) {
    if (strcmp(base, REFUSED_PROGRAMS[i]) == 0) return 1;
  }
  return 0;
}

/* The seccomp stop of an execve/execveat: refuses it (EPERM) when it names a refused program. */
static void handle_exec_request(pid_t tid) {
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0) return;
  uint64_t at = r.orig_rax == SYS_execveat ? r.rsi : r.rdi;
  char path[PATH_MAX], full[2 * PATH_MAX + 2], real[PATH_MAX];
  if (read_string(tid, at, path, sizeof path) < 0) return; /* the kernel answers EFAULT */
  if (path[0] == '/' || r.orig_rax == SYS_execveat) {
    snprintf(full, sizeof full, "%s", path);
  } else {
    char cwd[PATH_MAX], link[64];
    snprintf(link, sizeof link, "/proc/%d/cwd", tid);
    ssize_t k = readlink(link, cwd, sizeof cwd - 1);
    cwd[k < 0 ? 0 : k] = 0;
    snprintf(full, sizeof full, "%s/%s", cwd, path);
  }
  int refuse = refused_name(path) || (realpath(full, real) != NULL && refused_name(real));
  if (!refuse) return;
  r.orig_rax = (uint64_t)-1; /* skip the call */
  r.rax = (uint64_t)-EPERM;
  ptrace(PTRACE_SETREGS, tid, NULL, &r);
  count_refused_exec++;
  fprintf(stderr, "vmbackdoor-trap: refused to execute %s (it would act on this machine)\n", path);
}

/* ------------------------------------------------------------------------------------------ */
/* The traced program's sandbox                                                                */

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
                 BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define ARG0_LO offsetof(struct seccomp_data, args[0])
#define ARG1_LO offsetof(struct seccomp_data, args[1])

/*
 * The seccomp filter: the x86-64 ABI only; EPERM for what halts, reboots, re-clocks the machine,
 * loads kernel code, changes mounts or namespaces, or reaches into other processes; EAFNOSUPPORT
 * for socket(AF_VSOCK) (a VMware VM without VMCI vsock); EPERM for kill/tgkill/tkill of pid 1 or
 * of every process (-1) and for the RTC_SET_TIME ioctl; execve/execveat stop at the tracer.
 */
static void install_seccomp(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1), /* x32 */
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      DENY(SYS_reboot), DENY(SYS_kexec_load), DENY(SYS_kexec_file_load),
      DENY(SYS_settimeofday), DENY(SYS_clock_settime), DENY(SYS_adjtimex),
      DENY(SYS_clock_adjtime), DENY(SYS_init_module), DENY(SYS_finit_module),
      DENY(SYS_delete_module), DENY(SYS_mount), DENY(SYS_umount2), DENY(SYS_pivot_root),
      DENY(SYS_swapon), DENY(SYS_swapoff), DENY(428) /* open_tree */, DENY(429) /* move_mount */,
      DENY(430) /* fsopen */, DENY(431) /* fsconfig */, DENY(432) /* fsmount */,
      DENY(433) /* fspick */, DENY(SYS_mount_setattr), DENY(SYS_setns), DENY(SYS_unshare),
      DENY(SYS_iopl), DENY(SYS_ioperm), DENY(SYS_sethostname), DENY(SYS_setdomainname),
      DENY(SYS_acct), DENY(SYS_syslog), DENY(SYS_ptrace), DENY(SYS_process_vm_writev),
      DENY(SYS_bpf),
      /* socket(AF_VSOCK, ...) */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 40 /* AF_VSOCK */, 0, 8),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
      /* kill, tkill, tgkill of pid 1 or -1 */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kill, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tkill, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xFFFFFFFFu, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* ioctl(fd, RTC_SET_TIME) */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG1_LO),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x4024700Au /* RTC_SET_TIME */, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs: %s", strerror(errno));
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
    fail("cannot install the seccomp filter: %s", strerror(errno));
  }
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Enters a private mount namespace (a user namespace too when not root); returns 0 or -1. */
static int enter_namespace(void) {
  if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0) return 0;
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) return -1;
  char map[64];
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
  if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) return -1;
  if (write_file("/proc/self/uid_map", map) < 0) return -1;
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
  if (write_file("/proc/self/gid_map", map) < 0) return -1;
  return 0;
}

/*
 * In the traced child, before exec: every mount read-only but the scratch tmpfs and the
 * --writable directories; an empty tmpfs over /run (no system bus, no init control socket).
 */
static void sandbox(void) {
  if (enter_namespace() < 0) {
    fail("cannot make a private mount namespace (%s): refusing to run a program that could "
         "write this machine's files", strerror(errno));
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("mount private: %s", strerror(errno));
  for (int i = 0; i < opt_writable_count; i++) {
    if (mount(opt_writable[i], opt_writable[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
      fail("--writable %s: %s", opt_writable[i], strerror(errno));
    }
  }
  struct mount_attr_v0 ro = {ATTR_RDONLY, 0, 0, 0};
  if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) < 0) {
    fail("cannot make the file systems read-only: %s", strerror(errno));
  }
  struct mount_attr_v0 rw = {0, ATTR_RDONLY, 0, 0};
  for (int i = 0; i < opt_writable_count; i++) {
    if (syscall(SYS_mount_setattr, AT_FDCWD, opt_writable[i], AT_RECURSIVE, &rw, sizeof rw) < 0) {
      fail("--writable %s: %s", opt_writable[i], strerror(errno));
    }
  }
  if (access("/run", F_OK) == 0 &&
      mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") < 0) {
    fail("cannot hide /run: %s", strerror(errno));
  }
  if (opt_scratch != NULL &&
      mount("tmpfs", opt_scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0) {
    fail("--scratch %s: %s", opt_scratch, strerror(errno));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Machine checks                                                                              */

static int has_cpuid_fault(void) {
  FILE *f = fopen("/proc/cpuinfo", "re");
  if (f == NULL) return 0;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "flags", 5) == 0 && strstr(line, " cpuid_fault") != NULL) found = 1;
  }
  fclose(f);
  return found;
}

/* The hypervisor signature of CPUID leaf 0x40000000, or "" when leaf 1 says none. */
static void hypervisor_signature(char sig[13]) {
  uint32_t a, b, c, d;
  sig[0] = 0;
  __cpuid(1, a, b, c, d);
  if (!(c & (1u << 31))) return;
  __cpuid(0x40000000u, a, b, c, d);
  memcpy(sig, &b, 4);
  memcpy(sig + 4, &c, 4);
  memcpy(sig + 8, &d, 4);
  sig[12] = 0;
}

/*
 * Whether a program can run under the trap on a machine whose hypervisor signature is `sig`
 * ("" for none), with or without CPUID faulting: NULL, or the reason it cannot.
 */
static const char *cpuid_problem_for(const char *sig, int faulting) {
  if (strcmp(sig, "VMwareVMware") == 0) {
    return "this machine is a VMware VM: its own backdoor answers the program before the trap can";
  }
  if (faulting) return NULL;
  if (strncmp(sig, "KVMKVMKVM", 9) == 0 || strcmp(sig, "XenVMMXenVMM") == 0) {
    return "this machine is a KVM or Xen guest without CPUID faulting (no cpuid_fault in "
           "/proc/cpuinfo): VMware Tools would see the hypervisor and never use the backdoor";
  }
  return NULL;
}

/* This machine's signature, into sig, and cpuid_problem_for it. */
static const char *cpuid_problem(char sig[13]) {
  hypervisor_signature(sig);
  return cpuid_problem_for(sig, cpuid_faulting);
}

/* --probe: whether this machine can trap; one line, exit 0 or 1. */
static int probe(void) {
  char sig[13];
  cpuid_faulting = opt_cpuid_auto && has_cpuid_fault();
  const char *problem = cpuid_problem(sig);
  if (problem != NULL) {
    printf("cannot trap: %s\n", problem);
    return 1;
  }
  pid_t child = fork();
  if (child < 0) fail("fork: %s", strerror(errno));
  if (child == 0) {
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) _exit(2);
    raise(SIGSTOP);
    if (enter_namespace() < 0) _exit(3);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  if (WIFSTOPPED(status)) {
    ptrace(PTRACE_CONT, child, NULL, NULL);
    waitpid(child, &status, 0);
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 4;
  if (code == 2) {
    printf("cannot trap: ptrace is not allowed here (PTRACE_TRACEME refused)\n");
    return 1;
  }
  if (code == 3) {
    printf("cannot trap: no private mount namespace (neither root nor user namespaces)\n");
    return 1;
  }
  if (code != 0) {
    printf("cannot trap: the ptrace check failed\n");
    return 1;
  }
  if (cpuid_faulting) printf("ok: CPUID faulting\n");
  else printf("ok: CPUID as the machine answers it (hypervisor \"%s\")\n", sig);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The tracer                                                                                  */

/* SIGTERM, SIGINT, SIGHUP to the helper: passed to the program at once, wherever the tracer is. */
static void on_signal(int sig) {
  int saved = errno;
  pid_t target = signal_target;
  if (target > 0) kill(target, sig);
  errno = saved;
}

static void usage(void) {
  fprintf(stderr,
          "usage: vmbackdoor-trap --connect HOST:PORT [--vm NAME] [--scratch DIR] [--writable DIR]...\n"
          "                       [--cpuid auto|off] [--spin-before-park NANOS] [--shm auto|off]\n"
          "                       [--stats]\n"
          "                       -- PROGRAM [ARGS...]\n"
          "       vmbackdoor-trap --probe\n");
  exit(EXIT_TRAP);
}

static void parse_connect(char *spec) {
  char *colon = strrchr(spec, ':');
  if (colon == NULL || colon == spec || colon[1] == 0) fail("--connect wants HOST:PORT, not %s", spec);
  *colon = 0;
  opt_host = spec;
  opt_port = colon + 1;
  if (opt_host[0] == '[') {
    opt_host++;
    char *end = strchr(opt_host, ']');
    if (end != NULL) *end = 0;
  }
}

static void run_child(char **argv) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) _exit(EXIT_TRAP);
  sandbox();
  if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) fail("ptrace: %s", strerror(errno));
  raise(SIGSTOP);
  install_seccomp();
  execvp(argv[0], argv);
  int e = errno;
  fprintf(stderr, "vmbackdoor-trap: cannot run %s: %s\n", argv[0], strerror(e));
  _exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

static void print_stats(void) {
  unsigned long calls = count_in + count_outs + count_ins + count_cpuid;
  fprintf(stderr,
          "vmbackdoor-trap: %lu trapped (in %lu, rep outsb %lu, rep insb %lu, cpuid %lu), "
          "%.1f us each in the tracer, %lu exec refused; answers read while polling %lu, "
          "after sleeping %lu\n",
          calls, count_in, count_outs, count_ins, count_cpuid,
          calls == 0 ? 0.0 : trap_nanos / 1000.0 / (double)calls, count_refused_exec, count_polled,
          count_parked);
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--probe") == 0) {
      return probe();
    } else if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc) {
      parse_connect(argv[++i]);
    } else if (strcmp(argv[i], "--vm") == 0 && i + 1 < argc) {
      opt_vm = argv[++i];
    } else if (strcmp(argv[i], "--scratch") == 0 && i + 1 < argc) {
      opt_scratch = argv[++i];
    } else if (strcmp(argv[i], "--writable") == 0 && i + 1 < argc) {
      if (opt_writable_count == (int)(sizeof opt_writable / sizeof opt_writable[0])) {
        fail("at most 16 --writable directories");
      }
      opt_writable[opt_writable_count++] = argv[++i];
    } else if (strcmp(argv[i], "--cpuid") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "off") == 0) opt_cpuid_auto = 0;
      else if (strcmp(argv[i], "auto") != 0) usage();
    } else if (strcmp(argv[i], "--spin-before-park") == 0 && i + 1 < argc) {
      char *end;
      errno = 0;
      opt_spin_nanos = strtoll(argv[++i], &end, 10);
      if (errno != 0 || *end != 0 || end == argv[i] || opt_spin_nanos < 0 || opt_spin_nanos > 1000000000LL) {
        fail("--spin-before-park: nanoseconds from 0 to 1000000000, not %s", argv[i]);
      }
    } else if (strcmp(argv[i], "--shm") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "off") == 0) opt_shm = 0;
      else if (strcmp(argv[i], "auto") == 0) opt_shm = 1;
      else usage();
    } else if (strcmp(argv[i], "--stats") == 0) {
      opt_stats = 1;
    } else {
      usage();
    }
  }
  if (i >= argc || opt_host == NULL) usage();
  size_t vm_length = strlen(opt_vm);
  if (vm_length < 1 || vm_length > 255) fail("--vm: a name of 1 to 255 bytes");

  char sig[13];
  cpuid_faulting = opt_cpuid_auto && has_cpuid_fault();
  const char *problem = cpuid_problem(sig);
  if (problem != NULL) fail("%s", problem);

  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  root_pid = fork();
  if (root_pid < 0) fail("fork: %s", strerror(errno));
  if (root_pid == 0) run_child(argv + i);
  signal_target = root_pid;

  int status;
  if (waitpid(root_pid, &status, __WALL) < 0) fail("waitpid: %s", strerror(errno));
  if (!WIFSTOPPED(status)) {
    /* The child ended before it stopped: the sandbox could not be made; it said why. */
    exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_TRAP);
  }
  long options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                 PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, root_pid, NULL, (void *)options) < 0) {
    fail("PTRACE_SETOPTIONS: %s", strerror(errno));
  }
  thread_add(root_pid, 1);
  ptrace(PTRACE_CONT, root_pid, NULL, NULL);

  int root_status = -1;
  while (threads != NULL) {
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      fail("waitpid: %s", strerror(errno));
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == root_pid) {
        signal_target = 0;
        root_status = status;
        /* The run ends with the program: what it left behind ends with it. */
        for (struct thread *t = threads; t != NULL; t = t->next) {
          if (t->tid != root_pid) kill(t->tid, SIGKILL);
        }
      }
      thread_remove(tid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    struct thread *t = thread_find(tid);
    if (t == NULL) {
      /* A new clone's first stop, seen before its parent's event. */
      thread_add(tid, 1);
      ptrace(PTRACE_CONT, tid, NULL, NULL);
      continue;
    }
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    int deliver = 0;
    if (sig == SIGTRAP && event != 0) {
      unsigned long msg = 0;
      ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg);
      if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK) {
        if (thread_find((pid_t)msg) == NULL) thread_add((pid_t)msg, 0);
      } else if (event == PTRACE_EVENT_EXEC) {
        /* A new program image: a new guest program, with a connection of its own. */
        pid_t former = (pid_t)msg;
        if (former != tid) thread_remove(former);
        proc_disconnect(t->proc);
        if (cpuid_faulting) arm_cpuid_faulting(tid);
      } else if (event == PTRACE_EVENT_SECCOMP) {
        handle_exec_request(tid);
      }
    } else if (!t->started && sig == SIGSTOP) {
      t->started = 1; /* the stop of attachment: not the program's */
    } else if (sig == SIGSEGV && handle_segv(t)) {
      deliver = 0;
    } else {
      siginfo_t si;
      if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0) {
        deliver = 0; /* a group stop: resume */
      } else {
        deliver = sig;
      }
    }
    ptrace(PTRACE_CONT, tid, NULL, (void *)(long)deliver);
  }
  if (opt_stats) print_stats();
  if (root_status < 0) return EXIT_TRAP;
  if (WIFEXITED(root_status)) return WEXITSTATUS(root_status);
  return 128 + WTERMSIG(root_status);
}
