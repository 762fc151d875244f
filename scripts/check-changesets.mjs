// Reads every changeset in .changeset/ and builds the release plan from them, as `changeset version`
// will: a changeset with broken frontmatter, an unknown bump type or a package not in the workspace
// fails here rather than at release time. Unlike `changeset status`, this needs no base branch, so
// it works in a fresh clone where main is the only branch (or HEAD is detached).
import getReleasePlan from '@changesets/get-release-plan';

const root = new URL('..', import.meta.url).pathname;
try {
  const plan = await getReleasePlan(root);
  const releases = plan.releases.filter((release) => release.type !== 'none');
  const bumps = releases.map((release) => `${release.name} ${release.type} → ${release.newVersion}`);
  const summary = bumps.length > 0 ? `; releases: ${bumps.join(', ')}` : '';
  console.log(`changesets: ${plan.changesets.length} valid${summary}`);
} catch (error) {
  console.error(`changesets: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
