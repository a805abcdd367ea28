package io.github.vmbackdoor.hostsim.admin;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The admin API's bearer token (docs/admin-api.md, "Security"): 256 random bits, required in every
 * request's {@code Authorization: Bearer} header; kept by {@code serve} in a file only its owner
 * can read, {@code ~/.vmbackdoor/admin-<port>.token}, where {@code ctl} finds it.
 */
public final class AdminToken {

  private static final SecureRandom RANDOM = new SecureRandom();

  private AdminToken() {}

  /** A fresh token: 32 random bytes, base64url without padding (43 characters). */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether {@code token} can be one: 16 to 512 visible ASCII characters. */
  public static boolean plausible(String token) {
    if (token == null || token.length() < 16 || token.length() > 512) {
      return false;
    }
    return token.chars().allMatch(c -> c > ' ' && c < 127);
  }

  /** The file {@code serve} writes the token of an admin API on {@code port} to, by default. */
  public static Path defaultFile(int port) {
    return Path.of(System.getProperty("user.home"), ".vmbackdoor", "admin-" + port + ".token");
  }

  /**
   * Writes {@code token} to {@code file}, readable and writable by its owner alone: the directory
   * is created owner-only when missing, the file is written under a fresh name and renamed over
   * {@code file} (a symbolic link there is replaced, never followed).
   */
  public static void write(Path file, String token) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      if (posix) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir);
      }
    }
    FileAttribute<?>[] attrs =
        posix
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(
                  Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))
            }
            : new FileAttribute<?>[0];
    Path fresh = Files.createTempFile(dir, ".admin-", ".token", attrs);
    try {
      Files.writeString(fresh, token + "\n", StandardCharsets.US_ASCII);
      try {
        Files.move(
            fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(fresh);
    }
  }

  /** Reads a token from {@code file} (its first line, stripped). */
  public static String read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline).strip();
  }

  /** Deletes {@code file} if it still holds {@code token} (a later serve may have replaced it). */
  public static void forget(Path file, String token) {
    try {
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && read(file).equals(token)) {
        Files.delete(file);
      }
    } catch (IOException e) {
      // best effort: the token dies with the server anyway
    }
  }

  /** Compares in time independent of where the two differ. */
  static boolean matches(String expected, String given) {
    Preconditions.checkNotNull(expected, "expected");
    if (given == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}
