// The `mongodb` driver, behind a module of its own that mongo.ts imports lazily (see
// mysql-driver.ts for why the package is not imported lazily itself).
export { MongoClient } from 'mongodb';
