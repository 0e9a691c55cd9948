"""An adapter passed between notebooks: a local directory, a Google Drive path, or a Hub repo id."""

import io
import json

import pytest

from helpers import adapter_source, estimates, lesson
from helpers.adapter_source import AdapterNotFoundError, resolve_adapter
from helpers.training import META_FILE

SHA = "0123456789abcdef0123456789abcdef01234567"


def _write_adapter(folder, steps=7):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META_FILE).write_text(json.dumps({"base_model": "m", "vocab_size": 3, "recipe": {"max_steps": steps}}))
    return folder


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty Hugging Face Hub cache in a temporary folder, with the Hub offline."""
    import huggingface_hub.constants as hub_constants

    cache = tmp_path / "hub-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))  # read at import: set the live value
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    return cache


def _cache_repo(cache, repo_id, steps=9):
    """Lay out `repo_id` as a download leaves it in the Hub cache: refs/main naming a snapshot folder."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(SHA)
    snapshot = _write_adapter(repo / "snapshots" / SHA, steps)
    (snapshot / "adapter_config.json").write_text("{}")
    return snapshot


def test_a_local_adapter_directory_is_used_as_it_is(tmp_path):
    adapter = _write_adapter(tmp_path / "runs" / "adapter")
    assert resolve_adapter(str(adapter)) == adapter
    (tmp_path / "empty").mkdir()
    with pytest.raises(AdapterNotFoundError, match=f"directory .*empty has no {META_FILE}"):
        resolve_adapter(tmp_path / "empty")


def test_a_hub_repo_id_is_downloaded_through_snapshot_download(hub_cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no local folder of that name
    snapshot = _cache_repo(hub_cache, "someone/gemma-tool-calling")
    found = resolve_adapter("someone/gemma-tool-calling")
    assert found.resolve() == snapshot.resolve() and (found / "adapter_config.json").is_file()


def test_an_unknown_repo_id_offline_gets_one_message_naming_it(hub_cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AdapterNotFoundError) as err:
        resolve_adapter("nobody/no-such-adapter")
    message = str(err.value)
    assert "'nobody/no-such-adapter'" in message and "not a local directory" in message
    assert "could not be downloaded" in message and "offline" in message and "\n" not in message


def test_a_path_that_is_neither_directory_nor_repo_id_says_what_it_accepts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AdapterNotFoundError, match="no such directory, and not a Hub repo id"):
        resolve_adapter("runs/03_lora_sft/adapter")


def test_a_drive_path_without_drive_mounted_says_how_to_mount_it(tmp_path, monkeypatch):
    monkeypatch.setattr(adapter_source, "DRIVE_ROOT", str(tmp_path / "content" / "drive"))
    value = f"{adapter_source.DRIVE_ROOT}/MyDrive/fc-course/adapter"
    with pytest.raises(AdapterNotFoundError, match="Google Drive is not mounted") as err:
        resolve_adapter(value)
    assert "drive.mount('/content/drive')" in str(err.value) and value in str(err.value)
    (tmp_path / "content" / "drive" / "MyDrive").mkdir(parents=True)  # mounted, folder missing
    with pytest.raises(AdapterNotFoundError, match="no such folder on the mounted Google Drive"):
        resolve_adapter(value)
    adapter = _write_adapter(tmp_path / "content" / "drive" / "MyDrive" / "fc-course" / "adapter")
    assert resolve_adapter(value) == adapter


def test_the_real_drive_root_is_colabs_mount_point():
    assert adapter_source.DRIVE_ROOT == "/content/drive"
    assert adapter_source.is_drive_path("/content/drive/MyDrive/x") and not adapter_source.is_drive_path("/content/x")


def test_notebooks_take_a_hub_repo_id_for_adapter_without_training(hub_cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    snapshot = _cache_repo(hub_cache, "someone/adapter", steps=200)
    monkeypatch.setattr("helpers.training.train", lambda cfg: pytest.fail("trained although ADAPTER was given"))
    found, meta = lesson.find_or_train_adapter(lesson.get_scale("smoke"), "someone/adapter")
    assert found.resolve() == snapshot.resolve() and meta["recipe"]["max_steps"] == 200


@pytest.mark.parametrize("command", ["evaluate", "chat", "align"])
def test_cli_adapter_flags_report_an_unknown_adapter_in_one_line(command, hub_cache, tmp_path, monkeypatch, capsys):
    from helpers import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    argv = {"evaluate": ["evaluate", "--dataset", str(_shipped("unseen.jsonl")), "--output", "p.jsonl"],
            "chat": ["chat"], "align": ["align", "--out", "o"]}[command]
    assert cli.main([*argv, "--adapter", "nobody/missing"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: adapter 'nobody/missing': not a local directory") and "\n" not in err


def test_cli_adapter_flags_resolve_a_hub_repo_id(hub_cache, tmp_path, monkeypatch):
    """`--adapter user/name` reaches load_adapter as the downloaded snapshot folder."""
    from helpers import cli

    monkeypatch.chdir(tmp_path)
    snapshot = _cache_repo(hub_cache, "someone/adapter")
    loaded = []

    def fake_load_adapter(adapter_dir, *args, **kwargs):
        loaded.append(adapter_dir)
        raise SystemExit(0)  # stop before any model is needed

    monkeypatch.setattr("helpers.training.load_adapter", fake_load_adapter)
    with pytest.raises(SystemExit):
        cli.main(["evaluate", "--dataset", str(_shipped("unseen.jsonl")), "--output", "p.jsonl",
                  "--adapter", "someone/adapter"])
    with pytest.raises(SystemExit):
        cli.main(["chat", "--adapter", "someone/adapter"])
    assert [p.resolve() for p in loaded] == [snapshot.resolve()] * 2


def _shipped(name):
    from helpers.training import SHIPPED

    return SHIPPED / name


def test_missing_adapter_says_what_it_trains_and_how_long_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    order = []

    def fake_train(cfg):
        order.append(("train", capsys.readouterr().out))
        return {"adapter_dir": str(_write_adapter(tmp_path / "trained"))}

    monkeypatch.setattr("helpers.training.train", fake_train)
    monkeypatch.setattr(estimates, "hardware_here", lambda: estimates.HARDWARE["t4"])
    scale = lesson.get_scale("gpu")
    lesson.find_or_train_adapter(scale, out="runs/x")
    (step, said), = order
    assert "no adapter found" in said and scale.model in said and scale.data in said
    assert f"{scale.max_steps} steps" in said and "T4" in said and "estimate" in said and "about" in said
    assert "ADAPTER" in said and "Hub repo id" in said



def test_notebook_3_says_what_to_paste_into_adapter(tmp_path, monkeypatch):
    """The values notebook 3 prints are ones `resolve_adapter` accepts (a Drive copy and a repo id)."""
    import shutil

    text = lesson.adapter_hand_over("runs/03_lora_sft/adapter", "me/gemma-tools")
    assert 'ADAPTER = "me/gemma-tools"' in text and "drive.mount('/content/drive')" in text
    assert 'ADAPTER = "/content/drive/MyDrive/fc-course/03_adapter"' in text
    assert "after setting HUB_REPO" in lesson.adapter_hand_over("runs/03_lora_sft/adapter", "")
    adapter = _write_adapter(tmp_path / "runs" / "03_lora_sft" / "adapter")
    drive = tmp_path / "content" / "drive"
    monkeypatch.setattr(adapter_source, "DRIVE_ROOT", str(drive))
    (drive / "MyDrive").mkdir(parents=True)
    target = str(drive / "MyDrive" / "fc-course" / "03_adapter")
    copy_line = next(line for line in lesson.adapter_hand_over(adapter, "", target).splitlines() if "copytree" in line)
    assert f'copytree("{adapter}", "{target}"' in copy_line
    shutil.copytree(adapter, target, dirs_exist_ok=True)  # what that line runs
    assert resolve_adapter(target) == drive / "MyDrive" / "fc-course" / "03_adapter"
