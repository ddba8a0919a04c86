import type { Container } from '../../container.js';

/** How a social provider's name reads on the pages' buttons ("Sign in with GitHub"). */
export const providerLabel = (name: string): string =>
  ({ github: 'GitHub', google: 'Google', gitlab: 'GitLab' })[name] ?? name.charAt(0).toUpperCase() + name.slice(1);

/**
 * The providers the pages offer (sign in, link): none unless the users face is on, as their
 * flows end at its callback routes (the redirect URIs providers know).
 */
export const pageProviders = ({ config, socialLogin }: Pick<Container, 'config' | 'socialLogin'>): string[] =>
  (config.faces.includes('users') ? socialLogin.providers() : []);
