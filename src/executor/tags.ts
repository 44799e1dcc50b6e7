/** Ansible's tag selection: --tags / --skip-tags with the special `always`, `never`, `all`, `tagged`, `untagged`. */
export interface TagFilter {
  tags: string[];
  skipTags: string[];
}

export function selectedByTags(taskTags: string[], f: TagFilter): boolean {
  const tags = new Set(taskTags);
  if (f.skipTags.length) {
    if (f.skipTags.includes('all') && !tags.has('always')) return false;
    if (f.skipTags.includes('tagged') && tags.size > 0 && !tags.has('always')) return false;
    if (f.skipTags.includes('untagged') && tags.size === 0) return false;
    if (f.skipTags.some((t) => tags.has(t))) return false;
  }
  const wanted = f.tags.length ? f.tags : ['all'];
  if (tags.has('always')) return true;
  if (tags.has('never')) return wanted.some((t) => t !== 'all' && t !== 'never' && tags.has(t)) || wanted.includes('never');
  if (wanted.includes('all')) return true;
  if (wanted.includes('tagged') && tags.size > 0) return true;
  if (wanted.includes('untagged') && tags.size === 0) return true;
  return wanted.some((t) => tags.has(t));
}
