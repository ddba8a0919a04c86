/** How a social provider's name reads on the pages' buttons ("Sign in with GitHub"). */
export const providerLabel = (name: string): string =>
  ({ github: 'GitHub', google: 'Google', gitlab: 'GitLab' })[name] ?? name.charAt(0).toUpperCase() + name.slice(1);
