package haia.store;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which migrations a database still needs, when versions land out of order (issues take numbers in flight). */
class MigrationsTest {

    @Test
    void versionsAreUniqueAndAscending() {
        List<Integer> versions = Migrations.FILES.stream().map(Migrations::version).toList();
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i) > versions.get(i - 1), "ascending, each once: " + versions);
        }
        assertEquals(versions.getLast(), Migrations.latest());
    }

    @Test
    void aVersionLandingBelowTheNewestAppliedIsStillApplied() {
        assertEquals(Migrations.FILES, Migrations.pending(Migrations.FILES, Set.of()), "a new database gets all");
        Set<Integer> current = Set.copyOf(Migrations.FILES.stream().map(Migrations::version).toList());
        assertEquals(List.of(), Migrations.pending(Migrations.FILES, current), "an up-to-date database gets none");

        // a database that got every migration but one numbered below the newest (V6 landing after V7 was applied,
        // as branches that took their numbers early land in another order): that one is applied
        String below = Migrations.FILES.get(Migrations.FILES.size() - 2);
        Set<Integer> withoutIt = new HashSet<>(current);
        withoutIt.remove(Migrations.version(below));
        assertEquals(List.of(below), Migrations.pending(Migrations.FILES, withoutIt));
    }
}
