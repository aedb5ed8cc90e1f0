package io.gitfaas.worker.git;

import java.io.IOException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * What a checkout may write, checked from the commit's tree before a file is written. A pack of a
 * few kilobytes can name one 50 MiB blob a hundred times, or one directory of a thousand files a
 * thousand times: what counts is what the checkout would write, not what was downloaded.
 *
 * @param maxBytes the most the checked-out files may hold together (the task's disk limit)
 * @param maxEntries the most files, links and directories the checkout may create
 */
public record CheckoutLimits(long maxBytes, int maxEntries) {
  /** Deeper than any real project; past it a path is a trap, not a layout. */
  static final int MAX_DEPTH = 64;

  /** Linux refuses longer paths anyway, after the files before them were written. */
  static final int MAX_PATH_BYTES = 1024;

  /** Walks the tree; throws with the user's reason at the first limit it passes. */
  void check(Repository repo, RevTree tree) throws IOException {
    long bytes = 0;
    long entries = 0;
    try (TreeWalk walk = new TreeWalk(repo);
        ObjectReader reader = repo.newObjectReader()) {
      walk.addTree(tree);
      walk.setRecursive(false);
      while (walk.next()) {
        if (++entries > maxEntries) {
          throw refused(
              "the commit has more than " + maxEntries + " files and directories (TASK_MAX_FILES)");
        }
        if (walk.getDepth() + 1 > MAX_DEPTH) {
          throw refused("the commit nests directories deeper than " + MAX_DEPTH + " levels");
        }
        if (walk.getPathLength() > MAX_PATH_BYTES) {
          throw refused("the commit has a path longer than " + MAX_PATH_BYTES + " bytes");
        }
        if (walk.isSubtree()) {
          walk.enterSubtree();
        } else if (walk.getFileMode(0).getObjectType() == Constants.OBJ_BLOB
            && walk.getFileMode(0) != FileMode.GITLINK) {
          bytes += reader.getObjectSize(walk.getObjectId(0), Constants.OBJ_BLOB);
          if (bytes > maxBytes) {
            throw refused(
                "checking the commit out would write more than "
                    + maxBytes / (1 << 20)
                    + " MiB (TASK_DISK_LIMIT)");
          }
        }
      }
    }
  }

  private static RepositoryCloner.CloneException refused(String why) {
    return new RepositoryCloner.CloneException("refused before checkout: " + why, null);
  }
}
