'use strict';
// autocannon `setupRequest` for the HTTP benchmark's create case when autocannon runs in worker
// threads (`npm run bench -- http --workers N`), which take a module path instead of a function:
// every POSTed pod gets a unique name. Thread ids are unique within the process.
const { threadId } = require('node:worker_threads');

let n = 0;
module.exports = function setupRequest(req) {
  n++;
  return { ...req, body: String(req.body).replace('__NAME__', `create-t${threadId}-${n}`) };
};
