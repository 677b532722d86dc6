//! The SQL both backends run, written once. Where the dialects agree (numbered parameters,
//! `ON CONFLICT`, `RETURNING`, row-value `SET`, times as Unix seconds), the text is shared; each
//! backend module supplies only what differs: how a write that must not race begins
//! (`begin_serialized`), how one instance claims the housekeeping (`begin_housekeeping`), its
//! session table, and the pool writes go through (`writer`; reads use `pool`).
//! `sql_storage!(Backend, Database)` implements `Storage` for a backend on its concrete sqlx
//! types, so each query is checked against the database it runs on; no `sqlx::Any`.

/// Binds a verification to `$1`… in the order of `rows::VERIFICATION_COLUMNS`.
macro_rules! bind_verification {
    ($query:expr, $v:expr) => {{
        let v: &crate::domain::Verification = $v;
        $query
            .bind(v.id.as_str())
            .bind(&v.subject)
            .bind(v.destination.key())
            .bind(v.channel.as_str())
            .bind(super::rows::code_hash(v))
            .bind(v.status.as_str())
            .bind(v.attempts as i64)
            .bind(v.sends as i64)
            .bind(v.created_at.0)
            .bind(v.last_sent_at.0)
            .bind(v.expires_at.0)
            .bind(v.approved_at.map(|t| t.0))
            .bind(v.provider_sid())
            .bind(v.started_by.as_str())
            .bind(v.purpose.as_str())
            .bind(v.enrols.as_ref().map(|addition| addition.destination.key()))
            .bind(v.enrols.as_ref().map(|addition| addition.channel.as_str()))
            .bind(v.request.as_deref())
    }};
}
pub(super) use bind_verification;

macro_rules! sql_storage {
    ($backend:ty, $db:ty) => {
        /// The times of the sends `sql` selects by `key` since `since`.
        async fn send_times(
            connection: &mut <$db as sqlx::Database>::Connection,
            sql: &'static str,
            key: &str,
            since: crate::domain::UnixTime,
        ) -> Result<Vec<crate::domain::UnixTime>, super::StoreError> {
            let times: Vec<i64> = sqlx::query_scalar(sql).bind(key).bind(since.0).fetch_all(connection).await?;
            Ok(times.into_iter().map(crate::domain::UnixTime).collect())
        }

        /// Records the verification's user, if new, and the verification.
        async fn insert_verification(
            connection: &mut <$db as sqlx::Database>::Connection,
            v: &crate::domain::Verification,
        ) -> Result<(), super::StoreError> {
            sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (id) DO NOTHING")
                .bind(&v.subject)
                .bind(v.created_at.0)
                .execute(&mut *connection)
                .await?;
            let (columns, values) = super::rows::verification_columns_and_values();
            let sql = format!("INSERT INTO verifications ({columns}, revision) VALUES ({values}, 0)");
            super::sql::bind_verification!(sqlx::query(&sql), v).execute(connection).await?;
            Ok(())
        }

        /// Writes back a verification read at `revision`; false when it changed meanwhile.
        async fn update_verification<'c>(
            executor: impl sqlx::Executor<'c, Database = $db>,
            v: &crate::domain::Verification,
            revision: i64,
        ) -> Result<bool, super::StoreError> {
            let (columns, values) = super::rows::verification_columns_and_values();
            let revision_read = super::rows::VERIFICATION_COLUMNS.len() + 1;
            let sql = format!(
                "UPDATE verifications SET ({columns}) = ({values}), revision = revision + 1 WHERE id = $1 AND revision = ${revision_read}"
            );
            let result = super::sql::bind_verification!(sqlx::query(&sql), v).bind(revision).execute(executor).await?;
            Ok(result.rows_affected() == 1)
        }

        /// Records a delivery, made at `now`, in the transaction of its verification.
        async fn insert_delivery(
            connection: &mut <$db as sqlx::Database>::Connection,
            delivery: &super::DeliveryRecord,
            now: crate::domain::UnixTime,
        ) -> Result<(), super::StoreError> {
            sqlx::query(
                "INSERT INTO deliveries (token_hash, verification_id, channel, gateway, provider_id, locale, sealed_code,
                                         state, sequence, error_code, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            )
            .bind(&delivery.token_hash)
            .bind(delivery.verification_id.as_str())
            .bind(delivery.channel.as_str())
            .bind(&delivery.gateway)
            .bind(&delivery.provider_id)
            .bind(&delivery.locale)
            .bind(&delivery.sealed_code)
            .bind(delivery.progress.state.as_str())
            .bind(delivery.progress.sequence)
            .bind(&delivery.error_code)
            .bind(now.0)
            .execute(connection)
            .await?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl super::Storage for $backend {
            async fn ping(&self) -> Result<(), super::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            fn sessions(&self) -> Result<super::sessions::SessionStores, super::StoreError> {
                self.session_store()
            }

            async fn ensure_user(&self, id: &str, now: crate::domain::UnixTime) -> Result<(), super::StoreError> {
                sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (id) DO NOTHING")
                    .bind(id)
                    .bind(now.0)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn user_exists(&self, id: &str) -> Result<bool, super::StoreError> {
                let found: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                Ok(found.is_some())
            }

            async fn factors(&self, id: &str) -> Result<crate::domain::Factors, super::StoreError> {
                let row: Option<(Option<String>, Option<String>)> =
                    sqlx::query_as("SELECT phone, email FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                super::read_factors(row)
            }

            async fn save_verified_destination(
                &self,
                user: &str,
                destination: &crate::domain::Destination,
                purpose: crate::domain::Purpose,
                at: crate::domain::UnixTime,
            ) -> Result<bool, super::StoreError> {
                let sql = super::save_destination_sql(destination, purpose);
                let saved = sqlx::query(&sql).bind(destination.key()).bind(at.0).bind(user).execute(&self.writer).await?;
                Ok(saved.rows_affected() == 1)
            }

            async fn failure_streak(&self, user: &str) -> Result<Option<(crate::domain::FailureStreak, i64)>, super::StoreError> {
                let row: Option<(i64, Option<i64>, i64)> =
                    sqlx::query_as("SELECT failed_checks, last_failed_at, streak_revision FROM users WHERE id = $1")
                        .bind(user)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(count, last_at, revision)| {
                    (crate::domain::FailureStreak { count: count as u32, last_at: last_at.map(crate::domain::UnixTime) }, revision)
                }))
            }

            async fn set_failure_streak(&self, user: &str, streak: crate::domain::FailureStreak, revision: i64) -> Result<bool, super::StoreError> {
                let result = sqlx::query(
                    "UPDATE users SET failed_checks = $1, last_failed_at = $2, streak_revision = streak_revision + 1
                     WHERE id = $3 AND streak_revision = $4",
                )
                .bind(i64::from(streak.count))
                .bind(streak.last_at.map(|at| at.0))
                .bind(user)
                .bind(revision)
                .execute(&self.writer)
                .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn refund_failure(&self, user: &str) -> Result<(), super::StoreError> {
                sqlx::query(
                    "UPDATE users SET failed_checks = CASE WHEN failed_checks > 0 THEN failed_checks - 1 ELSE 0 END,
                            streak_revision = streak_revision + 1
                     WHERE id = $1",
                )
                .bind(user)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn clear_failure_streak(&self, user: &str) -> Result<bool, super::StoreError> {
                let result = sqlx::query(
                    "UPDATE users SET failed_checks = 0, last_failed_at = NULL, streak_revision = streak_revision + 1 WHERE id = $1",
                )
                .bind(user)
                .execute(&self.writer)
                .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn attempts_spent_in_request(&self, subject: &str, request: &str) -> Result<u32, super::StoreError> {
                let spent: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(attempts - CASE WHEN status = 'approved' THEN 1 ELSE 0 END)
                     FROM verifications WHERE subject = $1 AND request_ref = $2",
                )
                .bind(subject)
                .bind(request)
                .fetch_one(&self.pool)
                .await?;
                Ok(spent.unwrap_or(0).max(0) as u32)
            }

            async fn insert_verification(&self, v: &crate::domain::Verification) -> Result<(), super::StoreError> {
                let mut transaction = self.writer.begin().await?;
                insert_verification(&mut transaction, v).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn verification(
                &self,
                id: &crate::domain::VerificationId,
            ) -> Result<Option<(crate::domain::Verification, i64)>, super::StoreError> {
                let row: Option<super::rows::VerificationRow> =
                    sqlx::query_as("SELECT * FROM verifications WHERE id = $1").bind(id.as_str()).fetch_optional(&self.pool).await?;
                row.map(|row| {
                    let revision = row.revision;
                    Ok((row.read()?, revision))
                })
                .transpose()
            }

            async fn update_verification(
                &self,
                v: &crate::domain::Verification,
                revision: i64,
                check: Option<super::CheckRecord>,
            ) -> Result<bool, super::StoreError> {
                let Some(check) = check else { return update_verification(&self.writer, v, revision).await };
                let mut transaction = self.writer.begin().await?;
                // A lost race rolls back with the transaction, recording nothing.
                if !update_verification(&mut *transaction, v, revision).await? {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO attempts (verification_id, checked_at, outcome) VALUES ($1, $2, $3)")
                    .bind(v.id.as_str())
                    .bind(check.at.0)
                    .bind(check.outcome)
                    .execute(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                Ok(true)
            }

            async fn enrolment_confirmed(
                &self,
                proof: &crate::domain::VerificationId,
                subject: &str,
                started_by: crate::domain::StartedBy,
                new: &crate::domain::Destination,
                since: crate::domain::UnixTime,
            ) -> Result<bool, super::StoreError> {
                let found: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM verifications WHERE id = $1 AND subject = $2 AND holder = $3 AND enrols = $4
                         AND status = 'approved' AND approved_at > $5",
                )
                .bind(proof.as_str())
                .bind(subject)
                .bind(started_by.as_str())
                .bind(new.key())
                .bind(since.0)
                .fetch_optional(&self.pool)
                .await?;
                Ok(found.is_some())
            }

            async fn provider_sid_pending_elsewhere(
                &self,
                sid: &str,
                except: &crate::domain::VerificationId,
                now: crate::domain::UnixTime,
            ) -> Result<bool, super::StoreError> {
                let found: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM verifications WHERE provider_sid = $1 AND id <> $2 AND status = 'pending' AND expires_at > $3 LIMIT 1",
                )
                .bind(sid)
                .bind(except.as_str())
                .bind(now.0)
                .fetch_optional(&self.pool)
                .await?;
                Ok(found.is_some())
            }

            async fn take_send_slot(
                &self,
                send: &super::SlotKeys<'_>,
                since: crate::domain::UnixTime,
                allowed: &super::SendRule<'_>,
                records: Option<super::SendRecords<'_>>,
            ) -> Result<(crate::domain::SendHistory, super::Taken), super::StoreError> {
                use crate::domain::{Conversion, PastSend, SendHistory, UnixTime};
                let mut transaction = self.begin_serialized().await?;
                let hour_ago = UnixTime(send.at.0 - 3600);
                let rows: Vec<(String, String, i64)> =
                    sqlx::query_as("SELECT destination, channel, taken_at FROM send_slots WHERE subject = $1 AND taken_at > $2")
                        .bind(send.subject)
                        .bind(since.0)
                        .fetch_all(&mut *transaction)
                        .await?;
                let mut history = SendHistory::default();
                for (destination, channel, at) in rows {
                    let at = UnixTime(at);
                    history.by_user.push(at);
                    if destination == send.destination.key() {
                        let channel = <crate::domain::Channel as std::str::FromStr>::from_str(&channel).map_err(super::rows::corrupt)?;
                        history.to_destination.push(PastSend { at, channel });
                    }
                }
                history.to_destination_by_others = sqlx::query_scalar::<_, i64>(
                    "SELECT taken_at FROM send_slots WHERE destination = $1 AND subject <> $2 AND NOT to_a_factor AND taken_at > $3",
                )
                .bind(send.destination.key())
                .bind(send.subject)
                .bind(hour_ago.0)
                .fetch_all(&mut *transaction)
                .await?
                .into_iter()
                .map(UnixTime)
                .collect();
                if let Some(block) = &send.number_block {
                    let sql = "SELECT taken_at FROM send_slots WHERE number_block = $1 AND taken_at > $2";
                    history.to_prefix = send_times(&mut transaction, sql, block, hour_ago).await?;
                }
                if let Some(network) = &send.client_net {
                    let sql = "SELECT taken_at FROM send_slots WHERE client_net = $1 AND taken_at > $2";
                    history.from_client = send_times(&mut transaction, sql, network, hour_ago).await?;
                }
                if let Some(request) = send.request {
                    let destinations: Vec<String> =
                        sqlx::query_scalar("SELECT DISTINCT destination FROM send_slots WHERE subject = $1 AND request_ref = $2")
                            .bind(send.subject)
                            .bind(request)
                            .fetch_all(&mut *transaction)
                            .await?;
                    history.new_to_request = !destinations.iter().any(|key| key == send.destination.key());
                    history.other_destinations_in_request = destinations.iter().filter(|key| *key != send.destination.key()).count();
                }
                if let Some(country) = &send.country {
                    let (sent, entered): (i64, Option<i64>) = sqlx::query_as(
                        "SELECT COUNT(*), SUM(CASE WHEN verifications.status = 'approved' THEN 1 ELSE 0 END)
                         FROM send_slots LEFT JOIN verifications ON verifications.id = send_slots.verification_id
                         WHERE send_slots.country = $1 AND send_slots.taken_at > $2",
                    )
                    .bind(country)
                    .bind(hour_ago.0)
                    .fetch_one(&mut *transaction)
                    .await?;
                    history.country = Conversion { sent: sent as u32, entered: entered.unwrap_or(0) as u32 };
                }
                let everyone: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM send_slots WHERE taken_at > $1")
                    .bind(hour_ago.0)
                    .fetch_one(&mut *transaction)
                    .await?;
                history.everyone_last_hour = everyone as u32;
                if let Err(refusal) = allowed(&history) {
                    return Ok((history, super::Taken::Refused(refusal)));
                }
                if let Some(records) = records {
                    match records.renews {
                        None => insert_verification(&mut transaction, records.verification).await?,
                        // Changed since it was read: nothing is written, and the caller judges it again.
                        Some(revision) if !update_verification(&mut *transaction, records.verification, revision).await? => {
                            return Ok((history, super::Taken::Changed));
                        }
                        Some(_) => {}
                    }
                    insert_delivery(&mut transaction, records.delivery, records.verification.last_sent_at).await?;
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO send_slots (subject, destination, channel, taken_at, request_ref, client_net, number_block, country,
                                             to_a_factor, verification_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(send.subject)
                .bind(send.destination.key())
                .bind(send.channel.as_str())
                .bind(send.at.0)
                .bind(send.request)
                .bind(send.client_net.as_deref())
                .bind(send.number_block.as_deref())
                .bind(send.country.as_deref())
                .bind(send.to_a_factor)
                .bind(send.verification.as_str())
                .fetch_one(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok((history, super::Taken::Slot(super::SendSlot(id))))
            }

            async fn release_send_slot(&self, slot: super::SendSlot) -> Result<(), super::StoreError> {
                sqlx::query("DELETE FROM send_slots WHERE id = $1").bind(slot.0).execute(&self.writer).await?;
                Ok(())
            }

            async fn claim_nonce(&self, nonce: &str, expires_at: crate::domain::UnixTime, now: crate::domain::UnixTime) -> Result<bool, super::StoreError> {
                let result = sqlx::query(
                    "INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2)
                     ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE used_nonces.expires_at < $3",
                )
                .bind(nonce)
                .bind(expires_at.0)
                .bind(now.0)
                .execute(&self.writer)
                .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn delivery(&self, token_hash: &str) -> Result<Option<super::DeliveryRecord>, super::StoreError> {
                let row: Option<super::rows::DeliveryRow> =
                    sqlx::query_as("SELECT * FROM deliveries WHERE token_hash = $1").bind(token_hash).fetch_optional(&self.pool).await?;
                row.map(super::rows::DeliveryRow::read).transpose()
            }

            async fn latest_delivery(&self, verification: &crate::domain::VerificationId) -> Result<Option<super::DeliveryRecord>, super::StoreError> {
                let row: Option<super::rows::DeliveryRow> =
                    sqlx::query_as("SELECT * FROM deliveries WHERE verification_id = $1 ORDER BY created_at DESC, rowid DESC LIMIT 1")
                        .bind(verification.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(super::rows::DeliveryRow::read).transpose()
            }

            async fn record_handover(
                &self,
                token_hash: &str,
                gateway: &str,
                provider_id: Option<&str>,
                state: crate::domain::DeliveryState,
                now: crate::domain::UnixTime,
            ) -> Result<(), super::StoreError> {
                sqlx::query(
                    "UPDATE deliveries SET gateway = $1, provider_id = COALESCE(provider_id, $2), updated_at = $4,
                            state = CASE WHEN state = 'queued' THEN $3 ELSE state END, revision = revision + 1
                     WHERE token_hash = $5",
                )
                .bind(gateway)
                .bind(provider_id)
                .bind(state.as_str())
                .bind(now.0)
                .bind(token_hash)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn claim_provider_id(&self, token_hash: &str, provider_id: &str) -> Result<(), super::StoreError> {
                sqlx::query("UPDATE deliveries SET provider_id = $1 WHERE token_hash = $2 AND provider_id IS NULL")
                    .bind(provider_id)
                    .bind(token_hash)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn apply_delivery_report(
                &self,
                token_hash: &str,
                report: &crate::domain::DeliveryReport,
                now: crate::domain::UnixTime,
            ) -> Result<Option<super::ReportOutcome>, super::StoreError> {
                for _ in 0..super::REPORT_RETRIES {
                    let Some(row) = sqlx::query_as::<_, super::rows::DeliveryRow>("SELECT * FROM deliveries WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?
                    else {
                        return Ok(None);
                    };
                    let revision = row.revision;
                    if !row.read()?.progress.is_superseded_by(report) {
                        return Ok(Some(super::ReportOutcome::Stale));
                    }
                    // A call that has ended never needs its code again.
                    let keep_code = !report.state.is_final();
                    let result = sqlx::query(
                        "UPDATE deliveries SET state = $1, sequence = COALESCE($2, sequence), error_code = COALESCE($3, error_code),
                                sealed_code = CASE WHEN $4 THEN sealed_code ELSE NULL END, updated_at = $5, revision = revision + 1
                         WHERE token_hash = $6 AND revision = $7",
                    )
                    .bind(report.state.as_str())
                    .bind(report.sequence)
                    .bind(&report.error_code)
                    .bind(keep_code)
                    .bind(now.0)
                    .bind(token_hash)
                    .bind(revision)
                    .execute(&self.writer)
                    .await?;
                    if result.rows_affected() == 1 {
                        return Ok(Some(super::ReportOutcome::Applied));
                    }
                }
                // Other reports kept winning the race; each of them was newer than this one when written.
                Ok(Some(super::ReportOutcome::Stale))
            }

            async fn housekeep(&self, cutoffs: &super::Cutoffs) -> Result<Option<super::Swept>, super::StoreError> {
                let Some(mut transaction) = self.begin_housekeeping().await? else { return Ok(None) };
                let mut swept = super::Swept::default();
                swept.call_codes = sqlx::query("UPDATE deliveries SET sealed_code = NULL WHERE sealed_code IS NOT NULL AND created_at < $1")
                    .bind(cutoffs.call_codes_before.0)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                swept.nonces = sqlx::query("DELETE FROM used_nonces WHERE expires_at < $1")
                    .bind(cutoffs.now.0)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                swept.send_slots = sqlx::query("DELETE FROM send_slots WHERE taken_at < $1")
                    .bind(cutoffs.send_slots_before.0)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                // A verification goes with its attempts and deliveries, which name it.
                let old = "SELECT id FROM verifications WHERE expires_at < $1";
                swept.attempts = sqlx::query(&format!("DELETE FROM attempts WHERE verification_id IN ({old})"))
                    .bind(cutoffs.records_before.0)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                sqlx::query(&format!("DELETE FROM deliveries WHERE verification_id IN ({old})"))
                    .bind(cutoffs.records_before.0)
                    .execute(&mut *transaction)
                    .await?;
                swept.verifications = sqlx::query("DELETE FROM verifications WHERE expires_at < $1")
                    .bind(cutoffs.records_before.0)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                transaction.commit().await?;
                Ok(Some(swept))
            }
        }
    };
}
pub(super) use sql_storage;
