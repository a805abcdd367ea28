/*
 * trap-unit: unit tests of the trap helper's pure parts, compiled together with it
 * (TrapUnitTest): the instruction decoder, the register write-back rule, the CPUID answers,
 * the decision whether this machine can trap, and the wait for the simulator's answer (the spin
 * before sleeping, on a clock of the test's own; frames read whole in pieces), and the helper's
 * half of the shared region (the offer accepted, refused or not understood, the file removed
 * either way; request frames identical to the socket's; the answer found while polling, on the
 * second look after the sleep flag is set, or after the doorbell; the simulator's doorbell rung
 * only when its poller sleeps). Prints one line per failed check and the count;
 * exits 1 when a check failed.
 */
#define main trap_main
#include "../../main/c/vmbackdoor-trap.c"
#undef main

static int failures, checks;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      failures++;                                          \
      printf("FAIL line %d: ", __LINE__);                  \
      printf(__VA_ARGS__);                                 \
      printf("\n");                                        \
    }                                                      \
  } while (0)

struct decode_case {
  const char *name;
  unsigned char bytes[15];
  int n;
  enum insn_kind kind;
  int length, width, rep, addr32;
};

static const struct decode_case CASES[] = {
    {"in eax,dx", {0xED}, 1, INSN_IN, 1, 4, 0, 0},
    {"in al,dx", {0xEC}, 1, INSN_IN, 1, 1, 0, 0},
    {"in ax,dx", {0x66, 0xED}, 2, INSN_IN, 2, 2, 0, 0},
    {"rep insb", {0xF3, 0x6C}, 2, INSN_INS, 2, 4, 1, 0},
    {"rep outsb", {0xF3, 0x6E}, 2, INSN_OUTS, 2, 4, 1, 0},
    {"addr32 rep outsb", {0x67, 0xF3, 0x6E}, 3, INSN_OUTS, 3, 4, 1, 1},
    {"rep addr32 insb", {0xF3, 0x67, 0x6C}, 3, INSN_INS, 3, 4, 1, 1},
    {"ds REX.W in", {0x3E, 0x48, 0xED}, 3, INSN_IN, 3, 4, 0, 0},
    {"fs in", {0x64, 0xED}, 2, INSN_IN, 2, 4, 0, 0},
    {"cpuid", {0x0F, 0xA2}, 2, INSN_CPUID, 2, 4, 0, 0},
    {"insb without rep", {0x6C}, 1, INSN_OTHER, 0, 4, 0, 0},
    {"outsb without rep", {0x6E}, 1, INSN_OTHER, 0, 4, 0, 0},
    {"in eax,imm8", {0xE5, 0x58}, 2, INSN_OTHER, 0, 4, 0, 0},
    {"out dx,eax", {0xEF}, 1, INSN_OTHER, 0, 4, 0, 0},
    {"syscall", {0x0F, 0x05}, 2, INSN_OTHER, 0, 4, 0, 0},
    {"ud2", {0x0F, 0x0B}, 2, INSN_OTHER, 0, 4, 0, 0},
    {"prefixes only", {0x66, 0x66}, 2, INSN_OTHER, 0, 4, 0, 0},
    {"cut after 0F", {0x0F}, 1, INSN_OTHER, 0, 4, 0, 0},
    {"nothing", {0}, 0, INSN_OTHER, 0, 4, 0, 0},
};

static void decoding(void) {
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    const struct decode_case *c = &CASES[i];
    struct insn d = decode(c->bytes, c->n);
    CHECK(d.kind == c->kind, "%s: kind %d, want %d", c->name, d.kind, c->kind);
    if (c->kind == INSN_OTHER) continue;
    CHECK(d.length == c->length, "%s: length %d, want %d", c->name, d.length, c->length);
    CHECK(d.rep == c->rep, "%s: rep %d, want %d", c->name, d.rep, c->rep);
    CHECK(d.addr32 == c->addr32, "%s: addr32 %d, want %d", c->name, d.addr32, c->addr32);
    if (c->kind == INSN_IN) CHECK(d.width == c->width, "%s: width %d, want %d", c->name, d.width, c->width);
  }
  /* fourteen prefixes and the opcode: the longest instruction there is */
  unsigned char longest[15] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xED};
  struct insn d = decode(longest, 15);
  CHECK(d.kind == INSN_IN && d.length == 15, "14 prefixes then ED: kind %d length %d", d.kind, d.length);
}

static void write_back_rule(void) {
  struct user_regs_struct r = {0};
  r.rax = 0xAAAAAAAA564D5868ull;
  r.rbx = 0xBBBBBBBB00000000ull;
  r.rsi = 0x1111111122222222ull;
  uint32_t sent[REGS] = {0x564D5868, 0, 0, 0, 0x22222222, 0, 0};
  uint32_t got[REGS] = {6, 0x564D5868, 0, 0, 0x22222222, 0, 0};
  write_back(&r, sent, got);
  CHECK(r.rax == 6, "a written register is zero-extended: rax %llx", r.rax);
  CHECK(r.rbx == 0x564D5868, "rbx %llx", r.rbx);
  CHECK(r.rsi == 0x1111111122222222ull, "a register left as sent keeps 64 bits: rsi %llx", r.rsi);
}

static void cpuid_answers(void) {
  struct user_regs_struct r = {0};
  char sig[13];
  r.rax = 0x40000000u;
  emulate_cpuid(&r);
  memcpy(sig, &r.rbx, 4);
  memcpy(sig + 4, &r.rcx, 4);
  memcpy(sig + 8, &r.rdx, 4);
  sig[12] = 0;
  CHECK(strcmp(sig, "VMwareVMware") == 0, "leaf 0x40000000 says %s", sig);
  CHECK(r.rax == 0x40000010u, "highest hypervisor leaf %llx", r.rax);
  memset(&r, 0xFF, sizeof r);
  r.rax = 0x40000010u;
  r.rcx = 0;
  emulate_cpuid(&r);
  CHECK((r.rcx & 3) == 0, "no VMCALL/VMMCALL backdoor advertised: ecx %llx", r.rcx);
  memset(&r, 0, sizeof r);
  r.rax = 1;
  emulate_cpuid(&r);
  CHECK(r.rcx & (1u << 31), "leaf 1 has the hypervisor bit: ecx %llx", r.rcx);
  unsigned a, b, c, d;
  __cpuid(0, a, b, c, d);
  memset(&r, 0, sizeof r);
  emulate_cpuid(&r);
  CHECK(r.rax == a && r.rbx == b && r.rcx == c && r.rdx == d, "leaf 0 is the machine's own");
}

static void trap_decision(void) {
  CHECK(cpuid_problem_for("KVMKVMKVM", 0) != NULL, "KVM without CPUID faulting is refused");
  CHECK(cpuid_problem_for("XenVMMXenVMM", 0) != NULL, "Xen without CPUID faulting is refused");
  CHECK(cpuid_problem_for("KVMKVMKVM", 1) == NULL, "KVM with CPUID faulting runs");
  CHECK(cpuid_problem_for("XenVMMXenVMM", 1) == NULL, "Xen with CPUID faulting runs");
  CHECK(cpuid_problem_for("VMwareVMware", 1) != NULL, "a VMware VM is refused");
  CHECK(cpuid_problem_for("bhyve bhyve ", 0) == NULL, "bhyve runs without faulting");
  CHECK(cpuid_problem_for("Microsoft Hv", 0) == NULL, "Hyper-V runs without faulting");
  CHECK(cpuid_problem_for("", 0) == NULL, "no hypervisor runs without faulting");
}

static void refused_programs(void) {
  CHECK(refused_name("/sbin/shutdown"), "shutdown");
  CHECK(refused_name("poweroff"), "poweroff");
  CHECK(refused_name("/usr/bin/systemctl"), "systemctl");
  CHECK(!refused_name("/usr/bin/vmware-rpctool"), "vmware-rpctool runs");
  CHECK(!refused_name("/bin/shutdownish"), "only whole names");
}

/* A clock that moves 10 ns a call; at call `act_at` it writes to, or closes, the peer. */
static long long fake_now;
static int fake_calls, act_at, peer_fd, act_close;

static long long fake_clock(void) {
  if (++fake_calls == act_at) {
    if (act_close) close(peer_fd);
    else if (write(peer_fd, "answer", 6) != 6) printf("cannot write the answer\n");
  }
  return fake_now += 10;
}

/* One read_answer on a fresh socket pair with a spin of 100 ns; the peer acts at call `at`. */
static ssize_t answer_with(long long spin, int at, int close_peer, int before, char *got) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -2;
  fake_now = 0;
  fake_calls = 0;
  act_at = at;
  act_close = close_peer;
  peer_fd = sv[1];
  count_polled = count_parked = 0;
  opt_spin_nanos = spin;
  spin_clock = fake_clock;
  if (before && write(sv[1], "answer", 6) != 6) return -2;
  ssize_t r = read_answer_spinning(sv[0], (unsigned char *)got, 16, opt_spin_nanos);
  close(sv[0]);
  if (!close_peer || fake_calls < at) close(sv[1]);
  return r;
}

static void waiting_for_the_answer(void) {
  char got[16];
  /* no spin: one blocking read, the clock never asked */
  ssize_t r = answer_with(0, 0, 0, 1, got);
  CHECK(r == 6 && memcmp(got, "answer", 6) == 0, "no spin: read %zd", r);
  CHECK(count_parked == 1 && count_polled == 0 && fake_calls == 0,
        "no spin: parked %lu polled %lu clock %d", count_parked, count_polled, fake_calls);
  /* an answer already there: found by the first poll */
  r = answer_with(100, 0, 0, 1, got);
  CHECK(r == 6 && count_polled == 1 && count_parked == 0, "waiting answer: read %zd polled %lu", r,
        count_polled);
  /* an answer that comes while spinning (at the clock's 5th call): found by polling */
  r = answer_with(100, 5, 0, 0, got);
  CHECK(r == 6 && memcmp(got, "answer", 6) == 0, "answer within the spin: read %zd", r);
  CHECK(count_polled == 1 && count_parked == 0 && fake_calls == 5,
        "answer within the spin: polled %lu parked %lu clock %d", count_polled, count_parked, fake_calls);
  /* none within the spin: the clock's 11th call ends it (100 ns in steps of 10 after the start);
     the answer written then is read by the blocking read */
  r = answer_with(100, 11, 0, 0, got);
  CHECK(r == 6 && memcmp(got, "answer", 6) == 0, "answer after the spin: read %zd", r);
  CHECK(count_parked == 1 && count_polled == 0 && fake_calls == 11,
        "the spin ends after its time: parked %lu polled %lu clock %d", count_parked, count_polled,
        fake_calls);
  /* the simulator goes away while the tracer spins: end of file, not a wait */
  r = answer_with(100, 3, 1, 0, got);
  CHECK(r == 0 && count_parked == 0 && fake_calls == 3, "closed within the spin: read %zd parked %lu",
        r, count_parked);
  /* and while it sleeps */
  r = answer_with(100, 11, 1, 0, got);
  CHECK(r == 0 && count_parked == 1, "closed after the spin: read %zd parked %lu", r, count_parked);
  opt_spin_nanos = 0;
  spin_clock = monotonic_nanos;
}

static void frames_are_read_whole(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
    CHECK(0, "socketpair: %s", strerror(errno));
    return;
  }
  unsigned char frame[37] = {0, 0, 0, 33, 0x82, 0, 0, 0, 7};
  frame[12] = 6;
  /* in three pieces, the first shorter than the length field */
  CHECK(write(sv[1], frame, 2) == 2 && write(sv[1], frame + 2, 20) == 20 &&
            write(sv[1], frame + 22, 15) == 15, "writes");
  uint32_t length = read_frame(sv[0], 37);
  CHECK(length == 33 && frame_in[4] == 0x82 && get32(frame_in + 5) == 7 && get32(frame_in + 9) == 6,
        "a frame in pieces: length %u type %x", length, frame_in[4]);
  /* HELLO_OK, shorter than the biggest answer, with nothing after it */
  unsigned char ok[11] = {0, 0, 0, 7, 0x81, 0, 1, 0, 1, 0, 0};
  CHECK(write(sv[1], ok, sizeof ok) == (ssize_t)sizeof ok, "write");
  length = read_frame(sv[0], 11);
  CHECK(length == 7 && frame_in[4] == 0x81 && get32(frame_in + 7) == 65536, "HELLO_OK: %u", length);
  close(sv[0]);
  close(sv[1]);
}


/* A socket pair whose end 0 is the helper's: reads time out after 60 s rather than hang. */
static int pair(int sv[2]) {
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -1;
  struct timeval t = {60, 0};
  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  return 0;
}

/* Reads the SHM_OFFER the helper wrote to the peer; returns its path length (0 on a mismatch). */
static size_t offered(int peer, char *path) {
  unsigned char b[512];
  ssize_t n = recv(peer, b, sizeof b, MSG_DONTWAIT);
  if (n < 11 || b[4] != FRAME_SHM_OFFER || get32(b) != (uint32_t)(n - 4) || get32(b + 5) != SHM_SIZE) return 0;
  size_t k = (size_t)(b[9] << 8 | b[10]);
  if (k + 11 != (size_t)n) return 0;
  memcpy(path, b + 11, k);
  path[k] = 0;
  return k;
}

static void shm_offers(void) {
  int sv[2];
  char path[300];
  unsigned char ok[5] = {0, 0, 0, 1, FRAME_SHM_OK};
  unsigned char refused[] = {0, 0, 0, 7, FRAME_SHM_REFUSED, 'n', 'o', ' ', 'w', 'a', 'y'};
  unsigned char error[] = {0, 0, 0, 6, FRAME_ERROR, 0, 2, 'b', 'a', 'd'};
  if (pair(sv) < 0) {
    CHECK(0, "socketpair: %s", strerror(errno));
    return;
  }
  /* accepted: the calls go through the region; its file is gone */
  struct wire w = {sv[0], 0, 65536, NULL};
  CHECK(write(sv[1], ok, sizeof ok) == sizeof ok, "write");
  int rc = shm_offer(&w);
  CHECK(rc == 0 && w.shm != NULL, "SHM_OK: the region is used (rc %d)", rc);
  CHECK(offered(sv[1], path) > 0 && strncmp(path, "/dev/shm/vmbackdoor-", 20) == 0,
        "the offer names a region in /dev/shm: %s", path);
  CHECK(access(path, F_OK) < 0 && errno == ENOENT, "the region's file is removed once offered: %s", path);
  if (w.shm != NULL) {
    CHECK(*shm_word(w.shm, SHM_MAGIC_AT) == SHM_MAGIC && *shm_word(w.shm, SHM_VERSION_AT) == SHM_VERSION &&
              *shm_word(w.shm, SHM_STATE_AT) == SHM_EMPTY,
          "the header: magic, version, state empty");
    munmap(w.shm, SHM_SIZE);
  }
  /* refused: the socket it is, the file gone too, one line said why */
  w.shm = NULL;
  shm_said = 0;
  CHECK(write(sv[1], refused, sizeof refused) == sizeof refused, "write");
  rc = shm_offer(&w);
  CHECK(rc == 0 && w.shm == NULL && shm_said, "SHM_REFUSED: calls stay on the socket (rc %d)", rc);
  CHECK(offered(sv[1], path) > 0 && access(path, F_OK) < 0, "a refused region's file is removed: %s", path);
  /* an ERROR (a simulator that does not know the offer): -1, to connect again without it */
  CHECK(write(sv[1], error, sizeof error) == sizeof error, "write");
  rc = shm_offer(&w);
  CHECK(rc == -1 && w.shm == NULL, "ERROR: connect again over TCP (rc %d)", rc);
  CHECK(offered(sv[1], path) > 0 && access(path, F_OK) < 0, "the file is removed: %s", path);
  close(sv[0]);
  close(sv[1]);
}

/* The fake clock's act for the region: at call `act_at`, the answer is written there. */
static unsigned char *act_region;
static uint32_t answer_eax;

static void write_answer(unsigned char *shm) {
  unsigned char *f = shm + SHM_HEADER;
  uint32_t seq = get32(f + 5);
  put32(f, 33);
  f[4] = FRAME_IN | 0x80;
  put32(f + 5, seq);
  put32(f + 9, answer_eax);
  __atomic_store_n(shm_word(shm, SHM_STATE_AT), SHM_ANSWER, __ATOMIC_SEQ_CST);
}

static long long region_clock(void) {
  if (++fake_calls == act_at) write_answer(act_region);
  return fake_now += 10;
}

/* One call through a fresh region and a socket pair; the fake clock answers at call `at`. */
static int region_call(struct wire *w, int sv[2], long long spin, int at, uint32_t regs[REGS]) {
  if (pair(sv) < 0) return -1;
  w->fd = sv[0];
  w->seq = 0;
  w->max_transfer = 65536;
  w->shm = shm_create();
  if (w->shm == NULL) return -1;
  unlink(shm_path);
  shm_pending = 0;
  act_region = w->shm;
  fake_now = 0;
  fake_calls = 0;
  act_at = at;
  count_polled = count_parked = 0;
  opt_spin_nanos = spin;
  spin_clock = region_clock;
  answer_eax = 6;
  for (int i = 0; i < REGS; i++) regs[i] = 0x11111111u * (uint32_t)(i + 1);
  return 0;
}

static void region_done(struct wire *w, int sv[2]) {
  munmap(w->shm, SHM_SIZE);
  close(sv[0]);
  close(sv[1]);
  opt_spin_nanos = 0;
  spin_clock = monotonic_nanos;
}

static void shm_calls(void) {
  struct wire w;
  int sv[2];
  uint32_t regs[REGS];
  unsigned char tcp[64];

  /* the request frame in the region is the socket's, byte for byte; the answer found polling */
  if (region_call(&w, sv, 100, 3, regs) < 0) {
    CHECK(0, "no region: %s", strerror(errno));
    return;
  }
  size_t n = encode_call(tcp, FRAME_IN, 1, regs, NULL, 0);
  wire_call(&w, FRAME_IN, regs, NULL, 0);
  CHECK(memcmp(w.shm + SHM_HEADER + 5, tcp + 5, 4) == 0 && n == 37, "the same sequence number");
  CHECK(regs[0] == 6 && regs[1] == 0x22222222u, "the answer's registers: eax %u ebx %u", regs[0], regs[1]);
  CHECK(count_polled == 1 && count_parked == 0 && fake_calls == 3,
        "answer within the spin: polled %lu parked %lu clock %d", count_polled, count_parked, fake_calls);
  region_done(&w, sv);

  /* the same request frame as on the socket: length, type, sequence, registers, in order */
  if (region_call(&w, sv, 100, 3, regs) < 0) return;
  encode_call(tcp, FRAME_IN, 1, regs, NULL, 0);
  encode_call(w.shm + SHM_HEADER, FRAME_IN, ++w.seq, regs, NULL, 0);
  CHECK(memcmp(w.shm + SHM_HEADER, tcp, 37) == 0, "one codec: the region's frame is the wire's");
  /* the poller awake: no doorbell; asleep: one DOORBELL frame on the socket */
  shm_post(&w);
  unsigned char b[16];
  CHECK(recv(sv[1], b, sizeof b, MSG_DONTWAIT) < 0 && errno == EAGAIN, "no doorbell for a poller awake");
  *shm_word(w.shm, SHM_SERVER_SLEEPS_AT) = 1;
  shm_post(&w);
  ssize_t got = recv(sv[1], b, sizeof b, MSG_DONTWAIT);
  CHECK(got == 5 && get32(b) == 1 && b[4] == FRAME_DOORBELL, "a DOORBELL for a poller asleep: %zd bytes", got);
  region_done(&w, sv);

  /* the answer comes as the spin ends: seen on the look after the sleep flag, no read */
  if (region_call(&w, sv, 100, 11, regs) < 0) return;
  wire_call(&w, FRAME_IN, regs, NULL, 0);
  CHECK(regs[0] == 6 && count_parked == 1 && count_polled == 0 && fake_calls == 11,
        "answer at the spin's end: parked %lu clock %d", count_parked, fake_calls);
  CHECK(*shm_word(w.shm, SHM_CLIENT_SLEEPS_AT) == 0, "the sleep flag is cleared");
  region_done(&w, sv);

  /* no answer within the spin: the helper sleeps until the simulator, seeing its flag, writes the
     answer and rings (a process of its own here, as the simulator is) */
  if (region_call(&w, sv, 100, 0, regs) < 0) return;
  pid_t peer = fork();
  if (peer == 0) {
    while (__atomic_load_n(shm_word(w.shm, SHM_CLIENT_SLEEPS_AT), __ATOMIC_SEQ_CST) == 0) sched_yield();
    answer_eax = 7;
    write_answer(w.shm);
    unsigned char ring[5] = {0, 0, 0, 1, FRAME_SERVER_DOORBELL};
    _exit(write(sv[1], ring, sizeof ring) == sizeof ring ? 0 : 1);
  }
  wire_call(&w, FRAME_IN, regs, NULL, 0);
  int status = -1;
  waitpid(peer, &status, 0);
  CHECK(regs[0] == 7 && count_parked == 1 && count_polled == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "woken by the doorbell: eax %u parked %lu", regs[0], count_parked);
  region_done(&w, sv);
}

int main(void) {
  decoding();
  write_back_rule();
  cpuid_answers();
  trap_decision();
  refused_programs();
  waiting_for_the_answer();
  frames_are_read_whole();
  shm_offers();
  shm_calls();
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
