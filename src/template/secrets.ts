import { Secret } from '../commands/secret.js';

/**
 * Tracks whether a render read a Secret: templates reveal secret text into their output, and
 * the caller must then treat the output as secret too. Frames nest (a lazily rendered variable
 * inside a template): a touch marks every enclosing frame.
 */
const frames: boolean[] = [];

export function revealTracked(s: Secret): string {
  for (let i = 0; i < frames.length; i++) frames[i] = true;
  return s.reveal();
}

/** Run fn and say whether it read any Secret. */
export function trackSecrets<T>(fn: () => T): { value: T; secret: boolean } {
  frames.push(false);
  const depth = frames.length;
  try {
    const value = fn();
    return { value, secret: frames[depth - 1] };
  } finally {
    frames.length = depth - 1;
  }
}

/** Wrap text as Secret when it came from a render that read one. */
export function secretIf(text: string, secret: boolean): string | Secret {
  return secret ? new Secret(text) : text;
}
