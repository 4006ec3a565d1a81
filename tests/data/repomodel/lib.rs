use std::collections::HashMap;
use crate::config::Config;

mod config;

pub const LIMIT: usize = 10;
static mut COUNTER: u32 = 0;

pub struct Cache {
    map: HashMap<String, u32>,
}

pub enum State { Empty, Full(u32) }

pub trait Store {
    fn get(&self, key: &str) -> Option<u32>;
    fn len(&self) -> usize { 0 }
}

type Key = String;

impl Cache {
    pub fn new() -> Self {
        Cache { map: HashMap::new() }
    }
}

impl Store for Cache {
    fn get(&self, key: &str) -> Option<u32> {
        self.map.get(key).copied()
    }
}

macro_rules! square {
    ($x:expr) => { $x * $x };
}

pub fn run(c: &Config) -> u32 {
    square!(2) + c.value()
}
