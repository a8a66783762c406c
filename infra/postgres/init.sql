-- One role and one database per service (development passwords: see .env.example).
CREATE ROLE donations LOGIN PASSWORD 'donations-dev-only';
CREATE ROLE inventory LOGIN PASSWORD 'inventory-dev-only';
CREATE ROLE sales LOGIN PASSWORD 'sales-dev-only';
CREATE DATABASE donations OWNER donations;
CREATE DATABASE inventory OWNER inventory;
CREATE DATABASE sales OWNER sales;
