import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pushTaskIds as taskIdsOf } from './push-events.js';

void describe('pushTaskIds: the task ids of an EventBridge delivery (families §9, §11 #35)', () => {
  it('finds task ids where an event may carry them, bounded', () => {
    assert.deepEqual(taskIdsOf({ data: { output: { task_id: 'a' } } }), ['a']);
    assert.deepEqual(taskIdsOf([{ data: { taskId: 'b' } }, { task_id: 'c' }]), ['b', 'c']);
    assert.deepEqual(taskIdsOf({ task_id: 7, data: 'x' }), []);
    const many = Array.from({ length: 50 }, (_, i) => ({ task_id: `t${i}` }));
    assert.equal(taskIdsOf(many).length, 20);
    let deep: unknown = { task_id: 'too-deep' };
    for (let i = 0; i < 10; i++) deep = { data: deep };
    assert.deepEqual(taskIdsOf(deep), []);
  });

  it('reads a CloudEvent as EventBridge wraps one', () => {
    const event = {
      specversion: '1.0',
      type: 'dashscope:System:AsyncTaskFinish',
      source: 'acs.dashscope',
      aliyunaccountid: '123',
      data: { task_id: 'ab12-cd34', task_status: 'SUCCEEDED' },
    };
    assert.deepEqual(taskIdsOf(event), ['ab12-cd34']);
  });
});
