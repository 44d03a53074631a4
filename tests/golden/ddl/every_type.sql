CREATE EXTERNAL TABLE IF NOT EXISTS `lakegate`.`everything` (
  `text` string COMMENT 'A short text; it\'s "quoted" over two lines',
  `count` bigint,
  `ratio` double,
  `flag` boolean,
  `nothing` string,
  `kind` string,
  `sure` boolean,
  `at` timestamp,
  `at_utc` timestamp,
  `day` date,
  `clock` string,
  `wait` string,
  `id` string,
  `mail` string,
  `link` string,
  `addr4` string,
  `addr` string,
  `blob` string,
  `price` decimal(10,2),
  `rate` decimal(38,4),
  `amount` string,
  `huge` string,
  `tags` array<string>,
  `ids` array<bigint>,
  `pair` array<bigint>,
  `scores` map<string,double>,
  `calendar` map<string,array<date>>,
  `home` struct<`street`:string,`zip_code`:string,`geo`:array<double>>,
  `homes` array<struct<`street`:string,`zip_code`:string,`geo`:array<double>>>,
  `id_or_name` string,
  `maybe_count` bigint,
  `userid` string COMMENT 'Read case-insensitively as column userid',
  `_ingested_at` timestamp COMMENT 'When lakegate stored the record (UTC)',
  `_request_id` string COMMENT 'X-Request-Id of the request that carried it'
)
COMMENT 'Every field type lakegate maps to Athena'
PARTITIONED BY (
  `dt` string COMMENT 'Ingestion date (UTC), yyyy-MM-dd',
  `hr` string COMMENT 'Ingestion hour (UTC), 00 to 23',
  `mood` string COMMENT 'How it felt',
  `level` string
)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
WITH SERDEPROPERTIES (
  'timestamp.formats'="yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z',yyyy-MM-dd'T'HH:mm:ss'Z'"
)
LOCATION 's3://my-lake/lake/everything/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.dt.type'='date',
  'projection.dt.format'='yyyy-MM-dd',
  'projection.dt.range'='2026-01-01,NOW',
  'projection.dt.interval'='1',
  'projection.dt.interval.unit'='DAYS',
  'projection.hr.type'='integer',
  'projection.hr.range'='0,23',
  'projection.hr.digits'='2',
  'projection.mood.type'='enum',
  'projection.mood.values'='happy,sad',
  'projection.level.type'='enum',
  'projection.level.values'='1,2,3',
  'storage.location.template'='s3://my-lake/lake/everything/dt=${dt}/hr=${hr}/mood=${mood}/level=${level}'
);
