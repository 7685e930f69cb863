-- One database per service: no service reads another's data.
CREATE DATABASE accounts;
CREATE DATABASE catalog;
CREATE DATABASE inventory;
