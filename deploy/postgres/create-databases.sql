-- One database per service: no service reads another's data.
CREATE DATABASE accounts;
CREATE DATABASE catalog;
CREATE DATABASE inventory;
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE shipping;
CREATE DATABASE notifications;
CREATE DATABASE cart;
