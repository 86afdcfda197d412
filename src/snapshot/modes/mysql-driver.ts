// The `mariadb` driver, behind a module of its own that mysql-client.ts imports lazily: in the
// agent's bundle (scripts/bundle.mjs, where the driver is external) a lazy import of a module
// of ours becomes a deferred `require`, which the bundle's loader supports; a lazy import of
// the package itself would not be.
export { default as mariadb } from 'mariadb';
