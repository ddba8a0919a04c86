declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route wire codes for domain errors whose code depends on the route (users face). */
    errorCodes?: Partial<Record<string, string>>;
    /** The face serving the route (set by app.ts for the `face` label of the HTTP metrics). */
    face?: string;
  }
}

export {};
