package io.hvx.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
  @TempDir Path dir;

  @Test
  void a_new_token_is_readable_by_its_owner_only_and_stays_the_same_across_starts() throws IOException {
    Path file = dir.resolve("node/token");
    String first = TokenStore.loadOrCreate(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    assertTrue(first.length() >= 40, first);
    assertEquals(first, TokenStore.loadOrCreate(file));
  }

  @Test
  void two_data_directories_get_different_tokens() throws IOException {
    assertNotEquals(TokenStore.loadOrCreate(dir.resolve("a/token")), TokenStore.loadOrCreate(dir.resolve("b/token")));
  }

  @Test
  void an_empty_token_file_is_refused_with_advice() throws IOException {
    Path file = Files.writeString(dir.resolve("token"), "\n");
    IOException e = assertThrows(IOException.class, () -> TokenStore.loadOrCreate(file));
    assertTrue(e.getMessage().contains("delete it"), e.getMessage());
  }

  @Test
  void only_the_exact_token_matches() {
    assertTrue(TokenStore.matches("secret-token-1234", "secret-token-1234"));
    assertFalse(TokenStore.matches("secret-token-1234", "secret-token-1235"));
    assertFalse(TokenStore.matches("secret-token-1234", "secret-token-123"));
    assertFalse(TokenStore.matches("secret-token-1234", ""));
  }
}
