/*
 * trap-unit: unit tests of the trap helper's pure parts, compiled together with it
 * (TrapUnitTest): the instruction decoder, the register write-back rule, the CPUID answers,
 * the decision whether this machine can trap, and the wait for the simulator's answer (the spin
 * before sleeping, on a clock of the test's own; frames read whole in pieces). Prints one line per failed check and the count;
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
  ssize_t r = read_answer(sv[0], (unsigned char *)got, 16);
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

int main(void) {
  decoding();
  write_back_rule();
  cpuid_answers();
  trap_decision();
  refused_programs();
  waiting_for_the_answer();
  frames_are_read_whole();
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
