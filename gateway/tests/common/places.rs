//! Where a store backend's data lives, so a test can open a second handle on the same data
//! (a second desk), and the macro that runs a case against SQLite and PostgreSQL alike.

use std::sync::Arc;

use onshi_gateway::store::{self, Store, StoreLocation};
use tempfile::TempDir;

pub struct Place {
    pub location: StoreLocation,
    pub data_dir: TempDir,
}

impl Place {
    pub async fn open(&self) -> Arc<dyn Store> {
        store::open(&self.location, self.data_dir.path())
            .await
            .expect("the store opens")
    }
}

pub async fn sqlite() -> Place {
    Place {
        location: StoreLocation::Sqlite,
        data_dir: tempfile::tempdir().unwrap(),
    }
}

pub async fn postgres() -> Place {
    Place {
        location: StoreLocation::Postgres(super::postgres::fresh_database().await),
        data_dir: tempfile::tempdir().unwrap(),
    }
}

/// `suite!(case, …)`: each `async fn case(place: Place)` as one test per backend
/// (`sqlite::case`, `postgres::case`). (Every test file includes `common`; only the store
/// suites use this, hence the allows.)
#[allow(unused_macros)]
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(crate::common::places::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(crate::common::places::postgres().await).await;
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use suite;
