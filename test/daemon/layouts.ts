import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The layout kubelet writes for a ConfigMap volume, and its atomic update: files go into a new
 * timestamped directory, a `..data_tmp` symlink to it is renamed over `..data`, the old directory is
 * removed. The user-visible `dir/a.yaml -> ..data/a.yaml` links never change.
 */
export class ConfigMapVolume {
  private version = 0;
  private current = '';
  constructor(readonly dir: string) {}

  async publish(files: Record<string, string>): Promise<void> {
    const first = this.version === 0;
    this.version++;
    const ts = `..2026_01_0${this.version}_00_00_00.${1000 + this.version}`;
    await mkdir(path.join(this.dir, ts), { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await writeFile(path.join(this.dir, ts, name), content);
    }
    await symlink(ts, path.join(this.dir, '..data_tmp'));
    await rename(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    if (first) {
      for (const name of Object.keys(files))
        await symlink(path.join('..data', name), path.join(this.dir, name));
    } else {
      await rm(path.join(this.dir, this.current), { recursive: true, force: true });
    }
    this.current = ts;
  }
}

/**
 * git-sync's layout: each revision is checked out into `root/.worktrees/<hash>` and the `root/repo`
 * symlink is atomically swapped to it. Old worktrees are kept (git-sync removes them later), so the
 * old target sees no event at all.
 */
export class GitSyncCheckout {
  private rev = 0;
  constructor(
    readonly root: string,
    readonly link = 'repo',
  ) {}

  get repo(): string {
    return path.join(this.root, this.link);
  }

  async publish(files: Record<string, string>): Promise<string> {
    this.rev++;
    const hash = `${this.rev}`.padStart(8, 'a');
    const tree = path.join(this.root, '.worktrees', hash);
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(tree, rel)), { recursive: true });
      await writeFile(path.join(tree, rel), content);
    }
    const tmp = path.join(this.root, `tmp-link-${this.rev}`);
    await symlink(path.join('.worktrees', hash), tmp);
    await rename(tmp, this.repo);
    return tree;
  }
}
