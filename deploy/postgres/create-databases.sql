-- One database per service: no service reads another's data.
-- Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.
CREATE DATABASE accounts;
CREATE DATABASE catalog;
CREATE DATABASE inventory;
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE shipping;
CREATE DATABASE notifications;
CREATE DATABASE cart;
